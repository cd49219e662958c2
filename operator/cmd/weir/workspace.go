package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/tunnel"
)

// EnvIDToken holds the ID token `weir workspace connect` sends when
// --id-token-file is not given.
const EnvIDToken = "WEIR_ID_TOKEN"

func workspaceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workspace",
		Short: "Work with Workspaces from the desktop",
	}
	cmd.AddCommand(workspaceConnectCommand())
	return cmd
}

// connectOptions are `weir workspace connect`'s flags.
type connectOptions struct {
	kubeconfig, kubeContext, namespace string
	localPort                          int
	address                            string
	idTokenFile                        string
	check                              bool
}

func workspaceConnectCommand() *cobra.Command {
	o := connectOptions{}
	cmd := &cobra.Command{
		Use:   "connect NAME",
		Short: "Forward a local port to the Workspace's tunnel (VS Code Remote, SSH)",
		Long: `Forward a local port to the port spec.tunnel names inside the Workspace's
pod, through the Workspace's URL: each local connection opens a WebSocket
to <status.url>_weir/tunnel, which the Workspace's route lets through
only for users who may connect to it (as in the browser).

You authenticate with an OIDC ID token of the WorkspaceManager's identity
provider and client, from --id-token-file or $WEIR_ID_TOKEN.

For SSH (a Workspace with spec.tunnel.port 22), for example:

  weir workspace connect my-nb -n team-a --local-port 2222
  ssh -p 2222 jovyan@127.0.0.1`,
		Example: `  weir workspace connect my-nb -n team-a --local-port 2222 --id-token-file ~/.weir/id-token`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return o.run(ctx, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file the Workspace is read with (default: $KUBECONFIG, else ~/.kube/config)")
	f.StringVar(&o.kubeContext, "context", "", "kubeconfig context (default: the current one)")
	f.StringVarP(&o.namespace, "namespace", "n", "", "namespace of the Workspace (default: the context's)")
	f.IntVar(&o.localPort, "local-port", 0, "local port to listen on (0: any free one, printed)")
	f.StringVar(&o.address, "address", "127.0.0.1", "local address to listen on")
	f.StringVar(&o.idTokenFile, "id-token-file", "", "file holding an OIDC ID token for the WorkspaceManager's client (default: $"+EnvIDToken+")")
	f.BoolVar(&o.check, "check", true, "open one tunnel before listening, so a refusal is reported at once")
	return cmd
}

func (o connectOptions) run(ctx context.Context, name string, out, errOut io.Writer) error {
	token, err := o.token()
	if err != nil {
		return err
	}
	c, namespace, err := o.client()
	if err != nil {
		return err
	}
	ws := &wsv1.Workspace{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, ws); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("there is no Workspace %s in namespace %s", name, namespace)
		}
		return fmt.Errorf("read Workspace %s/%s: %w", namespace, name, err)
	}
	if err := connectable(ws); err != nil {
		return err
	}
	d := &tunnel.Dialer{URL: ws.Status.URL, Token: token}
	if o.check {
		conn, err := d.Dial(ctx)
		if err != nil {
			return fmt.Errorf("tunnel of workspace %s/%s: %w", namespace, name, err)
		}
		conn.Close()
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.address, strconv.Itoa(o.localPort)))
	if err != nil {
		return fmt.Errorf("listen on %s:%d (--address, --local-port): %w", o.address, o.localPort, err)
	}
	fmt.Fprintf(out, "Forwarding %s -> %s/%s (port %d in the pod)\n", ln.Addr(), namespace, name, ws.Spec.Tunnel.Port)
	return tunnel.Forward(ctx, ln, d, func(err error) { fmt.Fprintf(errOut, "weir: %v\n", err) })
}

// connectable says why a Workspace has no tunnel to connect to, from its
// spec (admission has written the template's defaultTunnel there) and its
// status.
func connectable(ws *wsv1.Workspace) error {
	id := ws.Namespace + "/" + ws.Name
	switch {
	case ws.Spec.Tunnel == nil:
		return fmt.Errorf("workspace %s has no tunnel: set its spec.tunnel.port (e.g. 22 for an SSH server in the image), or use a template with spec.defaultTunnel", id)
	case ws.Spec.DesiredStatus == wsv1.DesiredStopped:
		return fmt.Errorf("workspace %s is Stopped: start it first (kubectl -n %s patch workspace %s --type merge -p '{\"spec\":{\"desiredStatus\":\"Running\"}}')", id, ws.Namespace, ws.Name)
	case ws.Status.URL == "":
		return fmt.Errorf("workspace %s has no URL yet (status.url): no WorkspaceManager serves namespace %s, or it cannot route this Workspace (see its Degraded condition)", id, ws.Namespace)
	case ws.Status.Route == nil || ws.Status.Route.Manager == "":
		return fmt.Errorf("workspace %s is not served through a WorkspaceManager's route (its URL comes from --workspace-url-base), so nothing would authenticate the tunnel; a WorkspaceManager must serve namespace %s", id, ws.Namespace)
	}
	return nil
}

func (o connectOptions) token() (string, error) {
	var raw string
	switch {
	case o.idTokenFile != "":
		b, err := os.ReadFile(o.idTokenFile)
		if err != nil {
			return "", fmt.Errorf("--id-token-file: %w", err)
		}
		raw = string(b)
	default:
		raw = os.Getenv(EnvIDToken)
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("no ID token: pass --id-token-file or set $" + EnvIDToken + " to an OIDC ID token of the WorkspaceManager's identity provider (for its clientID)")
	}
	return raw, nil
}

func (o connectOptions) client() (client.Client, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.kubeContext})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	namespace := o.namespace
	if namespace == "" {
		if namespace, _, err = cc.Namespace(); err != nil {
			return nil, "", fmt.Errorf("kubeconfig: %w", err)
		}
	}
	s := runtime.NewScheme()
	if err := wsv1.AddToScheme(s); err != nil {
		return nil, "", err
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, "", err
	}
	return c, namespace, nil
}
