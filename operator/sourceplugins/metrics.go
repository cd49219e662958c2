package sourceplugins

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics, on the manager's /metrics.
var (
	loads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_source_plugin_loads_total",
		Help: "SourcePlugin modules fetched and described, by outcome (the Ready condition's reason). Memoised outcomes are not counted again.",
	}, []string{"result"})
	pluginReady = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weir_source_plugin_ready",
		Help: "1 when the SourcePlugin is Ready (Runs can use it), 0 when not.",
	}, []string{"plugin"})
)

func init() {
	metrics.Registry.MustRegister(loads, pluginReady)
}
