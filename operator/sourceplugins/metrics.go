package sourceplugins

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/weir-dev/weir/plugins/host"
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
	limitHits = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_source_plugin_limit_hits_total",
		Help: "SourcePlugin modules the sandbox stopped while describing them, by the limit that stopped them (memory, call_time, run_time, output, batch, table).",
	}, []string{"limit"})
)

func init() {
	metrics.Registry.MustRegister(loads, pluginReady, limitHits)
}

// limitLabels are the label values of the host's limits.
var limitLabels = map[host.Limit]string{
	host.LimitMemory:   "memory",
	host.LimitCallTime: "call_time",
	host.LimitRunTime:  "run_time",
	host.LimitOutput:   "output",
	host.LimitBatch:    "batch",
	host.LimitTable:    "table",
}

// limitHit names the limit a module error reports, "" for none. The
// describe child process hands back only the message of the host's
// *LimitError ("plugin X: stopped by the memory limit (256 MiB)"), so the
// message is what there is to read; a test pins the format.
func limitHit(msg string) string {
	for l, label := range limitLabels {
		if strings.Contains(msg, "stopped by the "+string(l)+" (") {
			return label
		}
	}
	return ""
}
