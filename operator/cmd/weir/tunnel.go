package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/weir-dev/weir/tunnel"
)

func tunnelCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tunnel",
		Short: "The desktop tunnel's pod end (see `weir workspace connect`)",
	}
	cmd.AddCommand(tunnelServeCommand())
	return cmd
}

// tunnelServeCommand is the sidecar of a Workspace with spec.tunnel: it
// takes WebSockets at <workspace path>_weir/tunnel (the route sends only
// those here, after forward-auth) and forwards each to --target.
func tunnelServeCommand() *cobra.Command {
	var listen, target string
	zapOpts := zap.Options{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the tunnel's WebSocket and forward each connection to a port in the pod",
		Long: `Serve the tunnel's WebSocket (any path ending in /_weir/tunnel; binary
messages are the TCP stream) and forward each WebSocket to a new TCP
connection to --target. Weir runs it as the "tunnel" sidecar of a
Workspace with spec.tunnel; the Workspace's route authenticates and
authorizes every tunnel before it gets here.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, _, err := net.SplitHostPort(target); err != nil || target == "" {
				return fmt.Errorf("--target=%q: want host:port, e.g. 127.0.0.1:22", target)
			}
			log := zap.New(zap.UseFlagOptions(&zapOpts)).WithName("tunnel")
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return serveTunnel(ctx, listen, &tunnel.Server{Target: target, Log: log}, log)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", ":8765", "address the WebSocket is served on")
	f.StringVar(&target, "target", "", "host:port every tunnel connects to, e.g. 127.0.0.1:22 (required)")
	f.AddGoFlagSet(zapFlags(&zapOpts))
	return cmd
}

func serveTunnel(ctx context.Context, listen string, h http.Handler, log logr.Logger) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("--listen=%s: %w", listen, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		// Shutdown does not wait for hijacked WebSockets: open tunnels
		// end with the process.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("serving the tunnel", "listen", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-done
	return nil
}
