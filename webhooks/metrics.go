package webhooks

import (
	"time"

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

// Phases counted by weir_webhook_phase_seconds, in the order a request
// goes through them.
const (
	// phaseDecode: the object (and old object) from JSON into the engine's input.
	phaseDecode phase = iota
	// phaseAccess: the kind's own check before the policies (Run: a
	// SubjectAccessReview per Secret and ServiceAccount it names;
	// PolicyBundle: the compile). It runs alongside decode to evaluate:
	// its time is not part of the handler's sum of phases.
	phaseAccess
	// phaseRelated: input.related from the cache, and the requester's
	// permissions where the kind's policies need them.
	phaseRelated
	// phaseEvaluate: the policy engine's decision.
	phaseEvaluate
	// phaseReferences: the existence warnings (Run: a metadata get of each
	// Secret and ServiceAccount it names), alongside like phaseAccess.
	phaseReferences
	// phaseWait: the handler waiting for access and references once its
	// own work is done.
	phaseWait
	// phaseEncode: the patch or the messages of the answer.
	phaseEncode
	phases
)

type phase int

var phaseNames = [phases]string{"decode", "access", "related", "evaluate", "references", "wait", "encode"}

// phaseClock adds up the time one request spends in each phase and
// observes each phase it went through once, at the end (flush).
type phaseClock struct {
	last  time.Time
	spent [phases]time.Duration
	seen  [phases]bool
}

func startPhases() *phaseClock { return &phaseClock{last: time.Now()} }

// done adds the time since the previous phase ended to p.
func (c *phaseClock) done(p phase) {
	now := time.Now()
	c.spent[p] += now.Sub(c.last)
	c.seen[p] = true
	c.last = now
}

// add adds d to p: work that ran alongside the handler's own.
func (c *phaseClock) add(p phase, d time.Duration) {
	c.spent[p] += d
	c.seen[p] = true
}

// skip starts the next phase now, leaving out the time since the previous
// one (work no phase names, such as a log line).
func (c *phaseClock) skip() { c.last = time.Now() }

func (c *phaseClock) flush(webhook, operation string) {
	for p, seen := range c.seen {
		if seen {
			phaseDuration.WithLabelValues(webhook, operation, phaseNames[p]).Observe(c.spent[p].Seconds())
		}
	}
}

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
	// phaseDuration splits weir_admission_request_duration_seconds by
	// phase, so that what a webhook adds to a write can be read off
	// (docs/performance.md, "Webhook cost"); the phases are the phase*
	// constants, and a request observes only the phases it went through.
	phaseDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weir_webhook_phase_seconds",
		Help:    "Time one admission request spent in each phase of Weir's handler (decode, related, evaluate, wait, encode one after the other; access and references alongside them), by webhook and operation.",
		Buckets: []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1},
	}, []string{"webhook", "operation", "phase"})
	decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_admission_decisions_total",
		Help: "Admission decisions by webhook, kind and result (allowed, denied, warned, patched, dryrun, error).",
	}, []string{"webhook", "kind", "result"})
)

func init() {
	metrics.Registry.MustRegister(requestDuration, evalDuration, phaseDuration, decisions)
}
