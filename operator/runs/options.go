// Package runs reconciles Run resources into the ConfigMap, Job, CronJob,
// trigger and teardown Jobs that execute `weir ingest`.
package runs

import "time"

// Options are the operator-wide settings every Run's pods inherit.
type Options struct {
	// Image runs `weir ingest` in Job pods.
	Image string
	// MarmotURL is passed to pods as MARMOT_HOST.
	MarmotURL string
	// IngestServiceAccount is the pod's service account when a Run names none.
	IngestServiceAccount string
	// Sandbox is written into every Run's pipeline.yaml (its sandbox key):
	// which addresses the sources' modules may reach beyond the hosts their
	// configs name. It comes from the manager's flags only; nothing in a
	// Run sets it.
	Sandbox Sandbox
	// RecheckInterval is how soon a Run whose Secret or ServiceAccount is
	// missing looks again; 0 means DefaultRecheckInterval.
	RecheckInterval time.Duration
}

// DefaultRecheckInterval: a missing Secret is usually created minutes, not
// seconds, after the Run; one metadata read per Run per interval is cheap.
const DefaultRecheckInterval = 30 * time.Second

func (o Options) recheckInterval() time.Duration {
	if o.RecheckInterval > 0 {
		return o.RecheckInterval
	}
	return DefaultRecheckInterval
}
