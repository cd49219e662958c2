package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/weir-dev/weir/operator/manager"
	plugindescribe "github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/webhooks"
)

func parseWebhookSecret(s string, o *webhooks.CertOptions) error {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" {
		return fmt.Errorf("--webhook-secret=%q: want <namespace>/<name>", s)
	}
	o.Secret = types.NamespacedName{Namespace: ns, Name: name}
	return nil
}

func parseAccessSecret(s string, c *manager.AccessConfig) error {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" {
		return fmt.Errorf("--access-secret=%q: want <namespace>/<name>", s)
	}
	c.SecretNamespace, c.SecretName = ns, name
	return nil
}

// version is stamped at build time with -ldflags -X main.version=...
var version = "dev"

// imageRepository is where Weir's image is published; the chart's
// operator.image.repository and config/manager's image name it too
// (operator/cmd/weir/image_test.go checks they agree).
const imageRepository = "ghcr.io/weir-dev/weir"

// image is the reference this binary's image was built as, stamped with
// -ldflags -X main.image=$(IMG) by make build/image and the Dockerfile;
// "" means imageRepository:version.
var image = ""

// defaultImage is --image's default: ingestion pods run the manager's own
// image.
func defaultImage() string {
	if image != "" {
		return image
	}
	return imageRepository + ":" + version
}

func managerCommand() *cobra.Command {
	cfg := manager.Config{}
	var secret string       // --webhook-secret, parsed into cfg.Webhooks.Certs
	var accessSecret string // --access-secret, parsed into cfg.Access
	metricsSecure := true
	zapOpts := zap.Options{}
	cmd := &cobra.Command{
		Use:   "manager",
		Short: "Run the Weir controllers",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctrl.SetLogger(quietCertStartup(zap.New(zap.UseFlagOptions(&zapOpts))))
			if soft := setMemoryLimit("/"); soft > 0 {
				ctrl.Log.WithName("setup").Info("Go's soft memory limit set from the container's", "bytes", soft)
			}
			if cfg.LeaderElectionNS == "" {
				cfg.LeaderElectionNS = os.Getenv("POD_NAMESPACE")
			}
			cfg.MetricsInsecure = !metricsSecure
			if err := parseWebhookSecret(secret, &cfg.Webhooks.Certs); err != nil {
				return err
			}
			if err := parseAccessSecret(accessSecret, &cfg.Access); err != nil {
				return err
			}
			// A module is compiled to be described, which takes several times
			// its size in memory: in a child process, so that running out
			// of it costs that process, not the manager.
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			cfg.Plugins.Describe = plugindescribe.Command([]string{exe, "plugin", "describe"})
			restCfg, err := ctrl.GetConfig()
			if err != nil {
				return err
			}
			return manager.Run(ctrl.SetupSignalHandler(), restCfg, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Runs.Image, "image", defaultImage(), "image that runs \"weir ingest\" in Job pods")
	f.StringVar(&cfg.Runs.MarmotURL, "marmot-url", "", "Marmot API URL, passed to Job pods as MARMOT_HOST")
	f.StringVar(&cfg.Runs.IngestServiceAccount, "ingest-service-account", "",
		"service account of ingestion pods when a Run names none (empty: the namespace's default)")
	f.StringSliceVar(&cfg.Namespaces, "namespace", nil,
		"watch Runs, and their Jobs, CronJobs and ConfigMaps, only in these namespaces (comma-separated or repeated; empty: all namespaces)")
	f.BoolVar(&cfg.LeaderElect, "leader-elect", false, "elect a leader, so only one replica reconciles")
	f.DurationVar(&cfg.LeaseDuration, "leader-elect-lease-duration", 0, "how long followers wait before taking an unrenewed lease (default 15s)")
	f.DurationVar(&cfg.RenewDeadline, "leader-elect-renew-deadline", 0, "how long the leader keeps trying to renew before it exits; an API server outage longer than this restarts the manager (default 10s)")
	f.DurationVar(&cfg.RetryPeriod, "leader-elect-retry-period", 0, "how often candidates retry the lease (default 2s)")
	f.StringVar(&cfg.LeaderElectionNS, "leader-election-namespace", "", "namespace of the leader lease (default: $POD_NAMESPACE)")
	f.StringVar(&cfg.MetricsBindAddress, "metrics-bind-address", ":8080", "address of the Prometheus metrics endpoint (0 disables it)")
	f.BoolVar(&metricsSecure, "metrics-secure", true,
		"serve metrics over HTTPS to clients allowed to get /metrics (bearer token); false: plain HTTP, on a loopback address only")
	f.IntVar(&cfg.MaxConcurrentReconciles, "max-concurrent-reconciles", 0, fmt.Sprintf(
		"objects of each kind reconciled at once (0: %d Runs, %d of each other kind)", manager.DefaultRunConcurrency, manager.DefaultConcurrency))
	f.StringVar(&cfg.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	f.BoolVar(&cfg.APICompression, "api-compression", false,
		"ask the API server to gzip its responses (off: the manager runs next to it, where compressing costs CPU on both sides and saves no time)")
	f.StringVar(&cfg.PprofBindAddress, "pprof-bind-address", "", "address of net/http/pprof, to profile the manager (empty: off)")
	f.BoolVar(&cfg.DefaultPolicies, "default-policies", true, "load Weir's embedded default Rego bundle (PolicyBundle \"default\" customises it)")
	f.StringVar(&cfg.Plugins.CacheDir, "plugin-cache-dir", filepath.Join(os.TempDir(), "weir-plugins"),
		"directory that keeps SourcePlugin modules, verified, by digest (empty: none on disk)")
	// No --plugin-allow-loopback: a loopback host a config names (localhost,
	// a sidecar) is reachable without it, and other names resolving to
	// loopback are what DNS rebinding looks like.
	f.BoolVar(&cfg.Runs.Sandbox.AllowLinkLocal, "plugin-allow-link-local", false,
		"let Runs' source modules reach link-local addresses (169.254.0.0/16, fe80::/10; cloud metadata excepted) their configs name")
	f.BoolVar(&cfg.Runs.Sandbox.AllowMetadata, "plugin-allow-metadata", false,
		"let Runs' source modules reach cloud metadata addresses (169.254.169.254, ...), which hand out the node's credentials")
	f.StringVar(&cfg.Workspaces.URLBase, "workspace-url-base", "",
		"where Workspaces are served, e.g. https://ide.example.com: status.url is <base>/workspaces/<namespace>/<name>/ (empty: no URL in status)")
	f.StringVar(&cfg.Plugins.CAFile, "plugin-ca-file", "", "PEM bundle trusted besides the system's roots when fetching SourcePlugin modules")
	w := &cfg.Webhooks
	f.BoolVar(&w.Enabled, "webhooks", true, "serve the admission webhooks")
	f.StringVar(&w.Host, "webhook-host", "", "address the webhook server listens on (empty: all)")
	f.IntVar(&w.Port, "webhook-port", 9443, "port of the webhook server")
	f.StringVar(&w.CertDir, "webhook-cert-dir", "/tmp/k8s-webhook-server/serving-certs", "directory with tls.crt and tls.key")
	f.StringVar(&w.CertMode, "webhook-certs", webhooks.CertsSelfSigned,
		"self-signed: Weir makes, rotates and injects its own certificate; external: mounted by cert-manager")
	f.StringVar(&secret, "webhook-secret", "weir-system/weir-webhook-cert", "namespace/name of the Secret holding the self-signed certificate")
	f.StringVar(&w.Certs.DNSName, "webhook-dns-name", "weir-webhook.weir-system.svc", "DNS name of the webhook Service, in the serving certificate")
	f.StringSliceVar(&w.Certs.ExtraDNSNames, "webhook-extra-dns-names", nil, "more names for the serving certificate (e.g. localhost)")
	f.StringVar(&w.Certs.ValidatingConfig, "validating-webhook-configuration", "weir-validating", "ValidatingWebhookConfiguration whose caBundle Weir fills")
	f.StringVar(&w.Certs.MutatingConfig, "mutating-webhook-configuration", "weir-mutating", "MutatingWebhookConfiguration whose caBundle Weir fills")
	f.StringVar(&cfg.Access.BindAddress, "access-bind-address", ":8090",
		"address of the access server: login pages and the reverse proxy's forward-auth endpoint /_weir/auth (0 disables it)")
	f.StringVar(&accessSecret, "access-secret", "weir-system/weir-access",
		"namespace/name of the Secret with the access server's session and probe keys (created when missing); WorkspaceManagers' client secrets are read from its namespace")
	f.StringVar(&cfg.ProxyConfig, "proxy-config", "weir-system/weir-proxy",
		"namespace/name of the ConfigMap Weir renders the Caddyfile of IngressClasses with controller weir.dev/caddy into (empty: none)")
	f.AddGoFlagSet(zapFlags(&zapOpts))
	return cmd
}
