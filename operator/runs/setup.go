package runs

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// SetupWithManager registers the Run controller. Jobs are matched to their
// Run by label, since CronJob-made Jobs are owned by the CronJob.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("weir-runs")
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &runsv1.Run{}, pluginSourcesIndex,
		func(o client.Object) []string { return pluginIDs(o.(*runsv1.Run)) }); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &batchv1.Job{}, jobRunIndex, jobRun); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("run").
		WithOptions(r.controllerOptions()).
		For(&runsv1.Run{}, builder.WithPredicates(runChanged)).
		// Their creation is the reconcile's own doing; edits and deletions
		// of them are what brings the Run back.
		Owns(&corev1.ConfigMap{}, builder.WithPredicates(notCreated)).
		Owns(&batchv1.CronJob{}, builder.WithPredicates(notCreated)).
		Watches(&batchv1.Job{}, jobEvents()).
		// A Run naming a SourcePlugin's id renders its module, or waits for it.
		Watches(&pluginsv1.SourcePlugin{}, handler.EnqueueRequestsFromMapFunc(r.runsNamingPlugin),
			builder.WithPredicates(pluginChanged)).
		WatchesRawSource(r.requeuer().Source()).
		Complete(r)
}

// ReconcileTimeout bounds one Reconcile of a Run: a call that hangs (an
// API server that stops answering) gives its worker back and is retried
// with backoff, instead of holding one of the few workers for good. A
// reconcile makes a handful of API calls and one policy decision (itself
// bounded by engine.DefaultDecisionTimeout).
const ReconcileTimeout = 30 * time.Second

func (r *Reconciler) controllerOptions() controller.Options {
	return controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles, ReconciliationTimeout: ReconcileTimeout}
}

// runChanged ignores the Run's own status writes: only spec, annotations
// (trigger, skip-teardown) and deletion need a reconcile.
var runChanged = predicate.Or(
	predicate.GenerationChangedPredicate{},
	predicate.AnnotationChangedPredicate{},
	predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return !equality.Semantic.DeepEqual(e.ObjectOld.GetDeletionTimestamp(), e.ObjectNew.GetDeletionTimestamp())
	}},
)

// notCreated drops create events: a ConfigMap or CronJob of a Run is
// created by the Run's reconcile, which needs no second pass for it. At
// start the cache lists every child as created, but every Run is listed
// (and reconciled) too.
var notCreated = predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }}

// jobRunIndex indexes Jobs by their Run (the runsv1.LabelRun value of
// Weir's Jobs): listing a Run's Jobs by label selector walks every Job of
// the namespace, which made each reconcile cost O(Jobs) and a burst of new
// Runs in one namespace quadratic.
const jobRunIndex = "weir.runs.jobRun"

func jobRun(o client.Object) []string {
	l := o.GetLabels()
	if l[runsv1.LabelManagedBy] != runsv1.ManagedBy || l[runsv1.LabelRun] == "" {
		return nil
	}
	return []string{l[runsv1.LabelRun]}
}

// listJobs lists the Jobs of run: Weir's Jobs whose runsv1.LabelRun is
// RunLabelValue(run.Name), from the index.
func (r *Reconciler) listJobs(ctx context.Context, run *runsv1.Run) (*batchv1.JobList, error) {
	jobs := &batchv1.JobList{}
	err := r.List(ctx, jobs, client.InNamespace(run.Namespace), client.MatchingFields{jobRunIndex: RunLabelValue(run.Name)})
	return jobs, err
}

// runOfJob names a Job's Run: the label may be cut short (RunLabelValue),
// the annotation is not; Jobs made before it existed have only the label.
func runOfJob(_ context.Context, obj client.Object) []reconcile.Request {
	if obj.GetLabels()[runsv1.LabelManagedBy] != runsv1.ManagedBy {
		return nil
	}
	name := obj.GetAnnotations()[runsv1.AnnotationRun]
	if name == "" {
		name = obj.GetLabels()[runsv1.LabelRun]
	}
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: name}}}
}
