// Package runs reconciles Run resources into the ConfigMap, Job, CronJob,
// trigger and teardown Jobs that execute `weir ingest`.
package runs

// Options are the operator-wide settings every Run's pods inherit.
type Options struct {
	// Image runs `weir ingest` in Job pods.
	Image string
	// MarmotURL is passed to pods as MARMOT_HOST.
	MarmotURL string
	// IngestServiceAccount is the pod's service account when a Run names none.
	IngestServiceAccount string
}
