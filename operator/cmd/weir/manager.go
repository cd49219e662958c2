package main

import (
	"os"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/weir-dev/weir/operator/manager"
)

// version is stamped at build time with -ldflags -X main.version=...
var version = "dev"

func defaultImage() string { return "ghcr.io/weir-dev/weir:" + version }

func managerCommand() *cobra.Command {
	cfg := manager.Config{}
	zapOpts := zap.Options{}
	cmd := &cobra.Command{
		Use:   "manager",
		Short: "Run the Weir controllers",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
			if cfg.LeaderElectionNS == "" {
				cfg.LeaderElectionNS = os.Getenv("POD_NAMESPACE")
			}
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
	f.StringVar(&cfg.Namespace, "namespace", "", "watch only this namespace (empty: all namespaces)")
	f.BoolVar(&cfg.LeaderElect, "leader-elect", false, "elect a leader, so only one replica reconciles")
	f.StringVar(&cfg.LeaderElectionNS, "leader-election-namespace", "", "namespace of the leader lease (default: $POD_NAMESPACE)")
	f.StringVar(&cfg.MetricsBindAddress, "metrics-bind-address", ":8080", "address of the Prometheus metrics endpoint (0 disables it)")
	f.IntVar(&cfg.MaxConcurrentReconciles, "max-concurrent-reconciles", manager.DefaultConcurrency, "Runs reconciled at once")
	f.StringVar(&cfg.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	f.AddGoFlagSet(zapFlags(&zapOpts))
	return cmd
}
