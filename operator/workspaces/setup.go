package workspaces

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// ReconcileTimeout bounds one Reconcile, so a call that hangs gives its
// worker back and is retried with backoff.
const ReconcileTimeout = 30 * time.Second

// SetupWithManager registers the Workspace and WorkspaceTemplate
// controllers and the index both use.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("weir-workspaces")
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &wsv1.Workspace{}, templateRefIndex, templateRefOf); err != nil {
		return err
	}
	err := ctrl.NewControllerManagedBy(mgr).
		Named("workspace").
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles, ReconciliationTimeout: ReconcileTimeout}).
		For(&wsv1.Workspace{}, builder.WithPredicates(workspaceChanged)).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.PersistentVolumeClaim{}).
		// A template appearing or going decides its Workspaces again
		// (TemplateNotFound until it exists): on change, never in a loop.
		Watches(&wsv1.WorkspaceTemplate{}, handler.EnqueueRequestsFromMapFunc(r.workspacesOf),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		// A new policy revision decides every Workspace again.
		WatchesRawSource(r.requeuer().Source()).
		Complete(r)
	if err != nil {
		return err
	}
	tr := &TemplateReconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("weir-workspacetemplates")}
	return ctrl.NewControllerManagedBy(mgr).
		Named("workspacetemplate").
		WithOptions(controller.Options{ReconciliationTimeout: ReconcileTimeout}).
		For(&wsv1.WorkspaceTemplate{}).
		// templateRef is immutable: only a Workspace's arrival and
		// departure change who uses a template.
		Watches(&wsv1.Workspace{}, handler.EnqueueRequestsFromMapFunc(templateOf),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		Complete(tr)
}

// workspaceChanged ignores the Workspace's own status writes: only spec,
// metadata the policies read (labels, annotations) and deletion matter.
var workspaceChanged = predicate.Or(
	predicate.GenerationChangedPredicate{},
	predicate.LabelChangedPredicate{},
	predicate.AnnotationChangedPredicate{},
	predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return !equality.Semantic.DeepEqual(e.ObjectOld.GetDeletionTimestamp(), e.ObjectNew.GetDeletionTimestamp())
	}},
)

// workspacesOf queues the Workspaces that name a template.
func (r *Reconciler) workspacesOf(ctx context.Context, o client.Object) []reconcile.Request {
	list := &wsv1.WorkspaceList{}
	if err := r.List(ctx, list, client.MatchingFields{templateRefIndex: o.GetName()}); err != nil {
		mgrLog(ctx).Error(err, "listing the Workspaces of a template", "template", o.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, len(list.Items))
	for i := range list.Items {
		reqs[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])}
	}
	return reqs
}
