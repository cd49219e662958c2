package workspaces

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// ReconcileTimeout bounds one Reconcile, so a call that hangs gives its
// worker back and is retried with backoff.
const ReconcileTimeout = 30 * time.Second

// SetupWithManager registers the Workspace and WorkspaceTemplate
// controllers and the indexes they use. HTTPRoutes are watched (and made)
// only when the Gateway API is installed at start.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("weir-workspaces")
	}
	if r.Prober == nil {
		r.Prober = r.Options.Prober
	}
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(context.Background(), &wsv1.Workspace{}, templateRefIndex, templateRefOf); err != nil {
		return err
	}
	if err := idx.IndexField(context.Background(), &wsv1.Workspace{}, executionProfileRefIndex, executionProfileRefOf); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("workspace").
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles, ReconciliationTimeout: ReconcileTimeout}).
		For(&wsv1.Workspace{}, builder.WithPredicates(workspaceChanged)).
		// Only the children's changes that status shows (predicates.go).
		Owns(&appsv1.Deployment{}, builder.WithPredicates(deploymentChanged)).
		Owns(&corev1.Service{}, builder.WithPredicates(serviceChanged)).
		// A claim's binding waits a little for its pod (ClaimBoundDelay).
		Watches(&corev1.PersistentVolumeClaim{}, claimEvents()).
		Owns(&networkingv1.Ingress{}, builder.WithPredicates(notCreated)).
		// A template appearing or going decides its Workspaces again
		// (TemplateNotFound until it exists): on change, never in a loop.
		Watches(&wsv1.WorkspaceTemplate{}, handler.EnqueueRequestsFromMapFunc(r.workspacesOf),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		// A profile's identity is its Workspaces' pod spec.
		Watches(&wsv1.WorkspaceExecutionProfile{}, handler.EnqueueRequestsFromMapFunc(r.workspacesOfProfile),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A manager's routing, base URL and namespaces are its
		// Workspaces' routes and URLs.
		Watches(&wsv1.WorkspaceManager{}, r.managerChanged()).
		// A namespace's labels choose its manager.
		WatchesMetadata(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.workspacesInNamespace),
			builder.WithPredicates(namespaceRelabelled)).
		// A new policy revision decides every Workspace again.
		WatchesRawSource(r.requeuer().Source())
	gw, err := gatewayAPIServed(mgr)
	if err != nil {
		return err
	}
	r.gatewayAPI = gw
	if gw {
		b = b.Owns(&gatewayv1.HTTPRoute{}, builder.WithPredicates(notCreated))
	} else {
		mgr.GetLogger().WithName("workspaces").Info("the Gateway API (HTTPRoute of gateway.networking.k8s.io/v1) is not installed: " +
			"Workspaces of a WorkspaceManager with spec.routing.gatewayRef get no route until it is and Weir restarts")
	}
	if err := b.Complete(r); err != nil {
		return err
	}
	tr := &TemplateReconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("weir-workspacetemplates")}
	return ctrl.NewControllerManagedBy(mgr).
		Named("workspacetemplate").
		WithOptions(controller.Options{ReconciliationTimeout: ReconcileTimeout}).
		For(&wsv1.WorkspaceTemplate{}).
		// templateRef is immutable: only a Workspace's arrival and
		// departure change who uses a template (updates are not handled).
		Watches(&wsv1.Workspace{}, templateUsers(mgr.GetClient())).
		Complete(tr)
}

// gatewayAPIServed says whether the API server serves HTTPRoutes, and
// makes sure the manager's scheme knows them when it does.
func gatewayAPIServed(mgr ctrl.Manager) (bool, error) {
	gvk := schema.GroupVersion(gatewayv1.GroupVersion).WithKind("HTTPRoute")
	if _, err := mgr.GetRESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
		if meta.IsNoMatchError(err) {
			return false, nil
		}
		return false, fmt.Errorf("discovering the Gateway API: %w", err)
	}
	if !mgr.GetScheme().Recognizes(gvk) {
		if err := gatewayv1.Install(mgr.GetScheme()); err != nil {
			return false, err
		}
	}
	return true, nil
}

// namespaceRelabelled passes a namespace's label changes only: its
// Workspaces are queued by their own events when they are created.
var namespaceRelabelled = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		return !equality.Semantic.DeepEqual(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels())
	},
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
	return requestsFor(list.Items)
}
