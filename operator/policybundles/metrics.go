package policybundles

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics, on the manager's /metrics. One process has one engine, so they
// are package-level.
var (
	bundleInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weir_policy_bundle_info",
		Help: "1 for the revision of each policy bundle in force (default is the embedded bundle, customised).",
	}, []string{"bundle", "revision"})
	loadFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_policy_bundle_load_failures_total",
		Help: "PolicyBundle specs that could not be loaded (compile errors, no modules); the last good revision stays in force.",
	}, []string{"bundle"})
	engineRevision = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weir_policy_engine_revision_info",
		Help: "1 for the revision of the whole set of bundles the admission webhooks decide with.",
	}, []string{"revision"})
)

func init() {
	metrics.Registry.MustRegister(bundleInfo, loadFailures, engineRevision)
}

// exported is what the info gauges show, so label sets of revisions no
// longer in force can be deleted rather than linger at 1.
type exported struct {
	bundles map[string]string // bundle -> revision
	engine  string
}

func (e *exported) set(bundles map[string]string, engineRev string) {
	for name, rev := range e.bundles {
		if bundles[name] != rev {
			bundleInfo.DeleteLabelValues(name, rev)
		}
	}
	for name, rev := range bundles {
		bundleInfo.WithLabelValues(name, rev).Set(1)
	}
	e.bundles = bundles
	if e.engine != engineRev {
		if e.engine != "" {
			engineRevision.DeleteLabelValues(e.engine)
		}
		engineRevision.WithLabelValues(engineRev).Set(1)
		e.engine = engineRev
	}
}
