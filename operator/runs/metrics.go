package runs

import (
	"context"
	"maps"

	"github.com/prometheus/client_golang/prometheus"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// Metrics, on the manager's /metrics. Run names are not labels: a cluster
// may hold thousands; namespace and kind say where to look.
var (
	jobsFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_run_jobs_finished_total",
		Help: "Jobs of Runs seen to finish, by namespace, kind (run, scheduled, trigger, teardown) and outcome (succeeded, failed).",
	}, []string{"namespace", "kind", "outcome"})
	jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weir_run_job_duration_seconds",
		Help:    "Start to finish of Jobs of Runs, by kind (run, scheduled, trigger, teardown) and outcome (succeeded, failed).",
		Buckets: prometheus.ExponentialBuckets(5, 2, 12), // 5 s to about 3 h
	}, []string{"kind", "outcome"})
	teardowns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_run_teardowns_total",
		Help: "Teardowns of deleted Runs, by outcome: succeeded, failed (each failure once), skipped (teardownOnDelete off or the skip-teardown annotation).",
	}, []string{"outcome"})
)

func init() {
	metrics.Registry.MustRegister(jobsFinished, jobDuration, teardowns)
}

// Outcome label values.
const (
	outcomeSucceeded = "succeeded"
	outcomeFailed    = "failed"
	outcomeSkipped   = "skipped"
)

// jobEvents enqueues a Job's Run and counts the Job when an update shows it
// finish. Only that transition counts, so a resync or a restart that lists
// finished Jobs again counts nothing twice.
func jobEvents() handler.EventHandler {
	enqueue := handler.EnqueueRequestsFromMapFunc(runOfJob)
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if madeByReconcile(e.Object) {
				return
			}
			enqueue.Create(ctx, e, q)
		},
		DeleteFunc:  enqueue.Delete,
		GenericFunc: enqueue.Generic,
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			old, oldOK := e.ObjectOld.(*batchv1.Job)
			cur, curOK := e.ObjectNew.(*batchv1.Job)
			if oldOK && curOK {
				observeFinished(old, cur)
				if !jobNews(old, cur) {
					return
				}
			}
			enqueue.Update(ctx, e, q)
		},
	}
}

// jobNews says whether an update changes what a Run's reconcile reads of
// its Job: metadata (labels, annotations, owners, deletion), when it
// finished, its conditions. The Job controller also counts active, ready
// and finished pods in status, several updates per Job that would each
// reconcile the Run for nothing. Its start is no news either: the Job
// controller sets startTime moments after the Job is created, when the
// Run's status already lists the Job as active (phase Running), and the
// one field it would move, lastRunTime, is written with the Job's end
// (or any earlier status write): a second status write per Job saved.
// Nor are conditions other than the end (Complete or Failed, which
// outcomeOf reads): the Job controller adds SuccessCriteriaMet or
// FailureTarget an update before the end, which would cost that write.
func jobNews(old, cur *batchv1.Job) bool {
	o, c := &old.Status, &cur.Status
	return old.Generation != cur.Generation ||
		!equality.Semantic.DeepEqual(old.DeletionTimestamp, cur.DeletionTimestamp) ||
		!maps.Equal(old.Labels, cur.Labels) || !maps.Equal(old.Annotations, cur.Annotations) ||
		!equality.Semantic.DeepEqual(old.OwnerReferences, cur.OwnerReferences) ||
		!equality.Semantic.DeepEqual(o.CompletionTime, c.CompletionTime) ||
		!sameEnd(old, cur)
}

// sameEnd: both Jobs stand where outcomeOf says, for the same reason.
func sameEnd(a, b *batchv1.Job) bool {
	oa, ca := outcomeOf(a)
	ob, cb := outcomeOf(b)
	if oa != ob || (ca == nil) != (cb == nil) {
		return false
	}
	return ca == nil || (ca.Reason == cb.Reason && ca.Message == cb.Message && ca.LastTransitionTime.Equal(&cb.LastTransitionTime))
}

// madeByReconcile: a Job the Run's reconcile creates (its one-off, trigger
// or teardown Job), whose creation that pass already put in status, so its
// create event would only reconcile the Run again for nothing. Jobs a
// CronJob makes are news; so is every update and deletion. At start the
// cache lists every Job as created, but every Run is listed too.
func madeByReconcile(obj client.Object) bool {
	switch obj.GetLabels()[runsv1.LabelJobKind] {
	case KindOneOff, KindTrigger, KindTeardown:
		return true
	}
	return false
}

func observeFinished(old, cur *batchv1.Job) {
	if was, _ := outcomeOf(old); was != jobActive {
		return
	}
	out, cond := outcomeOf(cur)
	if out == jobActive || cur.Labels[runsv1.LabelManagedBy] != runsv1.ManagedBy {
		return
	}
	outcome := outcomeSucceeded
	if out == jobFailed {
		outcome = outcomeFailed
	}
	kind := cur.Labels[runsv1.LabelJobKind]
	jobsFinished.WithLabelValues(cur.Namespace, kind, outcome).Inc()
	if cur.Status.StartTime != nil {
		end := finishedAt(cur, cond)
		if d := end.Sub(cur.Status.StartTime.Time).Seconds(); d >= 0 {
			jobDuration.WithLabelValues(kind, outcome).Observe(d)
		}
	}
}
