package webhooks

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Results counted by weir_admission_decisions_total.
const (
	resultAllowed = "allowed"
	resultDenied  = "denied"
	resultWarned  = "warned"
	resultPatched = "patched"
	resultDryRun  = "dryrun"
	resultError   = "error"
)

var (
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weir_admission_request_duration_seconds",
		Help:    "Time to answer one admission request, by webhook, kind and operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"webhook", "kind", "operation"})
	evalDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weir_policy_evaluation_duration_seconds",
		Help:    "Time the policy engine took to decide one admission request, by kind.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1},
	}, []string{"kind"})
	decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_admission_decisions_total",
		Help: "Admission decisions by webhook, kind and result (allowed, denied, warned, patched, dryrun, error).",
	}, []string{"webhook", "kind", "result"})
)

func init() {
	metrics.Registry.MustRegister(requestDuration, evalDuration, decisions)
}
