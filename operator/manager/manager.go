// Package manager wires Weir's controllers into a controller-runtime manager.
package manager

import (
	"time"

	"context"
	"fmt"
	"log/slog"

	"github.com/go-logr/logr"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/catalog"
	"github.com/weir-dev/weir/operator/policybundles"
	"github.com/weir-dev/weir/operator/proxyconfig"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/operator/sourceplugins"
	"github.com/weir-dev/weir/operator/workspacemanagers"
	"github.com/weir-dev/weir/operator/workspaces"
	"github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/policies/engine"
	"github.com/weir-dev/weir/webhooks"
)

// Config is what `weir manager` is started with.
type Config struct {
	Runs runs.Options
	// Workspaces are the settings of every Workspace (status.url's base).
	Workspaces workspaces.Options
	// Namespaces the manager watches Runs and their children in; empty:
	// every namespace.
	Namespaces       []string
	LeaderElect      bool
	LeaderElectionNS string
	// LeaseDuration, RenewDeadline and RetryPeriod are the leader
	// election's timings; zero keeps controller-runtime's (15 s, 10 s,
	// 2 s). A leader that cannot renew for RenewDeadline (an API server
	// down that long) exits, so longer values ride out longer outages
	// at the price of a slower failover.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	MetricsBindAddress                        string
	// MetricsInsecure serves metrics over plain HTTP without authentication
	// (--metrics-secure=false); only a loopback MetricsBindAddress may.
	MetricsInsecure        bool
	HealthProbeBindAddress string
	// PprofBindAddress serves net/http/pprof there; "" or "0": not at all.
	PprofBindAddress string
	// MaxConcurrentReconciles per controller; 0 means DefaultRunConcurrency
	// for Runs and DefaultConcurrency for the other kinds.
	MaxConcurrentReconciles int
	// DefaultPolicies loads Weir's embedded Rego bundle.
	DefaultPolicies bool
	Webhooks        WebhookConfig
	Plugins         PluginConfig
	// Access is the access server: login pages and forward-auth.
	Access AccessConfig
	// ProxyConfig is the ConfigMap (namespace/name) Weir renders the
	// guided proxy's Caddyfile into; "" renders none.
	ProxyConfig string
	// APICompression asks the API server to gzip its responses: worth it
	// only over a slow link (see clientConfig).
	APICompression bool
}

// PluginConfig is how SourcePlugin modules are fetched.
type PluginConfig struct {
	// CacheDir keeps verified modules by digest; "" keeps none on disk.
	CacheDir string
	// CAFile is a PEM bundle trusted besides the system's roots.
	CAFile string
	// Describe reads a module's description; nil: in this process.
	Describe describe.Func
}

// WebhookConfig is how the admission webhooks are served.
type WebhookConfig struct {
	Enabled bool
	Host    string
	Port    int
	CertDir string
	// CertMode is webhooks.CertsSelfSigned or webhooks.CertsExternal.
	CertMode string
	Certs    webhooks.CertOptions
}

// DefaultConcurrency: reconciles are short and mostly wait on the API
// server, so a few workers keep a burst of Runs from queueing one by one.
const DefaultConcurrency = 4

// DefaultRunConcurrency: a new Run's reconcile is four API round trips
// (finalizer, ConfigMap, Job or CronJob, status) and little CPU, so with
// four workers a burst of 1,000 Runs waited 30 s in the work queue while
// the operator used a tenth of a core; sixteen halve that wait
// (docs/performance.md, "Reconciling Runs").
const DefaultRunConcurrency = 16

// Scheme knows every type Weir reads or writes.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(runsv1.AddToScheme(s))
	utilruntime.Must(policiesv1.AddToScheme(s))
	utilruntime.Must(pluginsv1.AddToScheme(s))
	utilruntime.Must(wsv1.AddToScheme(s))
	// Known to the scheme even where the cluster lacks the CRDs: nothing
	// caches or watches HTTPRoutes then (see routeCache).
	utilruntime.Must(gatewayv1.Install(s))
	return s
}

// New builds a manager with every Weir controller and webhook registered.
// ctx bounds the goroutines that wait for the webhook certificate.
func New(ctx context.Context, restCfg *rest.Config, cfg Config) (ctrl.Manager, error) {
	if cfg.Runs.Image == "" {
		return nil, fmt.Errorf("--image is required: the image that runs `weir ingest` in Job pods")
	}
	cacheOpts := cacheOptions(cfg)
	gatewayAPI, err := gatewayAPIServed(restCfg)
	if err != nil {
		return nil, err
	}
	routeCache(&cacheOpts, gatewayAPI)
	metrics, err := metricsOptions(cfg)
	if err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(clientConfig(restCfg, cfg), ctrl.Options{
		Scheme:                        Scheme(),
		Cache:                         cacheOpts,
		Metrics:                       metrics,
		HealthProbeBindAddress:        cfg.HealthProbeBindAddress,
		PprofBindAddress:              cfg.PprofBindAddress,
		LeaderElection:                cfg.LeaderElect,
		LeaderElectionID:              "weir.runs.marmotdata.io",
		LeaderElectionNamespace:       cfg.LeaderElectionNS,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 nonZero(cfg.LeaseDuration),
		RenewDeadline:                 nonZero(cfg.RenewDeadline),
		RetryPeriod:                   nonZero(cfg.RetryPeriod),
		WebhookServer:                 webhookServer(cfg.Webhooks),
	})
	if err != nil {
		return nil, err
	}
	workers, runWorkers := cfg.MaxConcurrentReconciles, cfg.MaxConcurrentReconciles
	if workers <= 0 {
		workers, runWorkers = DefaultConcurrency, DefaultRunConcurrency
	}
	eng := engine.New()
	popts := policybundles.Options{Engine: eng, DefaultEnabled: cfg.DefaultPolicies}
	if cfg.LeaderElectionNS != "" {
		// Weir's own namespace ($POD_NAMESPACE in a cluster) keeps each
		// bundle's last good spec; without one (a local run) it is kept
		// in memory only.
		popts.LastGood = policybundles.ConfigMapStore{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Namespace: cfg.LeaderElectionNS}
	}
	loader, err := policybundles.Setup(mgr, popts)
	if err != nil {
		return nil, fmt.Errorf("policy loader: %w", err)
	}
	// data.sources for the policies: which sources exist, with their schemas.
	sources, err := catalog.New(loader)
	if err != nil {
		return nil, fmt.Errorf("source catalog: %w", err)
	}
	if err := sources.Publish(ctx); err != nil {
		return nil, fmt.Errorf("source catalog: %w", err)
	}
	if err := sourceplugins.Setup(mgr, sourceplugins.Options{
		CacheDir: cfg.Plugins.CacheDir, CAFile: cfg.Plugins.CAFile, Describe: cfg.Plugins.Describe, OnReady: sources.SetPlugins,
		Logger: slog.New(logr.ToSlogHandler(mgr.GetLogger().WithName("sourceplugins"))),
	}); err != nil {
		return nil, err
	}
	runsCtrl := &runs.Reconciler{Client: mgr.GetClient(), Options: cfg.Runs, Policies: eng,
		MaxConcurrentReconciles: runWorkers}
	if err := runsCtrl.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("run controller: %w", err)
	}
	loader.OnChange(func(engine.Revision) { go runsCtrl.PoliciesChanged(ctx) })
	prober, activity, err := setupAccess(ctx, mgr, cfg.Access, eng)
	if err != nil {
		return nil, fmt.Errorf("access server: %w", err)
	}
	if prober != nil && cfg.Workspaces.Prober == nil {
		cfg.Workspaces.Prober = prober
	}
	if activity != nil && cfg.Workspaces.Activity == nil {
		cfg.Workspaces.Activity = activity
	}
	if cfg.Workspaces.TunnelImage == "" {
		cfg.Workspaces.TunnelImage = cfg.Runs.Image // the tunnel's sidecar runs weir too
	}
	wsCtrl := &workspaces.Reconciler{Client: mgr.GetClient(), Options: cfg.Workspaces, Policies: eng,
		MaxConcurrentReconciles: workers}
	if err := wsCtrl.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("workspace controller: %w", err)
	}
	loader.OnChange(func(engine.Revision) { go wsCtrl.PoliciesChanged(ctx) })
	// WorkspaceManagers: the access route and status of each.
	wsmCtrl := &workspacemanagers.Reconciler{Options: workspacemanagers.Options{SecretNamespace: accessSecretNamespace(cfg)},
		MaxConcurrentReconciles: workers}
	if err := wsmCtrl.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("workspacemanager controller: %w", err)
	}
	// The guided proxy's Caddyfile: the Ingresses of weir.dev/caddy classes.
	if err := proxyconfig.Setup(mgr, cfg.ProxyConfig); err != nil {
		return nil, fmt.Errorf("proxy config: %w", err)
	}
	if cfg.Webhooks.Enabled {
		if err := webhooks.Setup(ctx, mgr, webhooks.Options{
			Engine: eng, CheckBundle: loader.Check, CertMode: cfg.Webhooks.CertMode,
			CertDir: cfg.Webhooks.CertDir, Certs: cfg.Webhooks.Certs,
		}); err != nil {
			return nil, fmt.Errorf("webhooks: %w", err)
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	return mgr, nil
}

// accessSecretNamespace is Weir's own namespace, where the client secrets
// of WorkspaceManagers are read: --access-secret's, else the leader
// election namespace ($POD_NAMESPACE).
func accessSecretNamespace(cfg Config) string {
	if cfg.Access.SecretNamespace != "" {
		return cfg.Access.SecretNamespace
	}
	return cfg.LeaderElectionNS
}

// withWarningLog logs each distinct API warning once. The webhook judges
// every write of a Run, Weir's own too (finalizer, trigger), and answers
// with the policies' warnings, which the user already saw at apply;
// controller-runtime's default would log them again on every such write.
func withWarningLog(cfg *rest.Config) *rest.Config {
	if cfg.WarningHandler != nil || cfg.WarningHandlerWithContext != nil {
		return cfg
	}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandlerWithContext = ctrllog.NewKubeAPIWarningLogger(ctrllog.KubeAPIWarningLoggerOptions{Deduplicate: true})
	return cfg
}

// Run starts the manager and blocks until ctx ends.
func Run(ctx context.Context, restCfg *rest.Config, cfg Config) error {
	mgr, err := New(ctx, restCfg, cfg)
	if err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// nonZero is d, or nil (controller-runtime's default) when d is zero.
func nonZero(d time.Duration) *time.Duration {
	if d == 0 {
		return nil
	}
	return &d
}
