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
	return ctrl.NewControllerManagedBy(mgr).
		Named("run").
		WithOptions(r.controllerOptions()).
		For(&runsv1.Run{}, builder.WithPredicates(runChanged)).
		Owns(&corev1.ConfigMap{}).
		Owns(&batchv1.CronJob{}).
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
