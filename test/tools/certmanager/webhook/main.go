// Command webhook runs cert-manager's admission webhook (validation and
// defaulting of cert-manager.io and acme.cert-manager.io resources) against
// the cluster in --kubeconfig, wired as cert-manager's cmd/webhook does: the
// server is cert-manager's own NewCertManagerWebhookServer, copied from its
// internal/ into ../internal/cm (see its README.md) because Go forbids
// importing another module's internal packages. Flags are named as upstream's
// and default to its WebhookConfiguration defaults, except metrics (off).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"k8s.io/klog/v2"

	logf "github.com/cert-manager/cert-manager/pkg/logs"

	config "github.com/weir-dev/weir/test/tools/certmanager/internal/cm/apis/config/webhook"
	cmwebhook "github.com/weir-dev/weir/test/tools/certmanager/internal/cm/webhook"
)

func main() {
	var opts config.WebhookConfiguration
	securePort := flag.Int("secure-port", 6443, "port of the HTTPS admission server")
	healthzPort := flag.Int("healthz-port", 6080, "port of the plain-HTTP /healthz and /livez")
	flag.StringVar(&opts.MetricsListenAddress, "metrics-listen-address", "0", "host:port of the metrics server (\"0\": off)")
	flag.StringVar(&opts.TLSConfig.Dynamic.SecretNamespace, "dynamic-serving-ca-secret-namespace", "", "namespace of the Secret holding the CA the webhook creates and signs its serving certificate with")
	flag.StringVar(&opts.TLSConfig.Dynamic.SecretName, "dynamic-serving-ca-secret-name", "", "name of that CA Secret")
	flag.Var((*names)(&opts.TLSConfig.Dynamic.DNSNames), "dynamic-serving-dns-names", "DNS names of the serving certificate (the Service's names): repeat or separate by commas, as upstream")
	flag.DurationVar(&opts.TLSConfig.Dynamic.LeafDuration, "dynamic-serving-leaf-duration", 7*24*time.Hour, "validity of the serving certificate the dynamic CA signs")
	flag.StringVar(&opts.TLSConfig.Filesystem.CertFile, "tls-cert-file", "", "serving certificate file (instead of the dynamic CA)")
	flag.StringVar(&opts.TLSConfig.Filesystem.KeyFile, "tls-private-key-file", "", "its private key file")
	klog.InitFlags(nil)
	flag.Parse()
	logf.InitLogs()
	// --kubeconfig is controller-runtime's own flag (linked in by the
	// server); empty means $KUBECONFIG or in-cluster, as upstream.
	if f := flag.Lookup("kubeconfig"); f != nil {
		opts.KubeConfig = f.Value.String()
	}
	if opts.KubeConfig == "" {
		opts.KubeConfig = os.Getenv("KUBECONFIG")
	}
	opts.SecurePort = int32(*securePort)   //nolint:gosec // a port fits
	opts.HealthzPort = int32(*healthzPort) //nolint:gosec // a port fits
	if !opts.TLSConfig.FilesystemConfigProvided() && !opts.TLSConfig.DynamicConfigProvided() {
		fmt.Fprintln(os.Stderr, "cert-manager webhook: no TLS: set --dynamic-serving-ca-secret-namespace/-name and --dynamic-serving-dns-names, or --tls-cert-file and --tls-private-key-file")
		os.Exit(2)
	}

	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "cert-manager webhook:", err)
		os.Exit(1)
	}
}

func run(opts config.WebhookConfiguration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, "webhook")
	srv, err := cmwebhook.NewCertManagerWebhookServer(logf.FromContext(ctx), opts)
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

// names is a repeatable, comma-separated flag, as upstream's pflag
// StringSlice: the upstream chart passes one --dynamic-serving-dns-names per name.
type names []string

func (n *names) String() string { return strings.Join(*n, ",") }

func (n *names) Set(v string) error {
	*n = append(*n, strings.Split(v, ",")...)
	return nil
}
