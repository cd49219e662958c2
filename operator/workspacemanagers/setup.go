package workspacemanagers

import (
	"context"
	"time"

	"github.com/go-logr/logr"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// ReconcileTimeout bounds one Reconcile: the discovery read has its own,
// shorter timeout.
const ReconcileTimeout = 30 * time.Second

// SetupWithManager registers the WorkspaceManager controller. HTTPRoutes
// are watched only when the cluster serves them at start (a manager that
// names a Gateway without them says GatewayAPINotInstalled).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Mapper == nil {
		r.Mapper = mgr.GetRESTMapper()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("weir-workspacemanagers")
	}
	gwAPI, err := GatewayAPIInstalled(r.Mapper)
	if err != nil {
		return err
	}
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	b := ctrl.NewControllerManagedBy(mgr).
		Named("workspacemanager").
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles, ReconciliationTimeout: ReconcileTimeout}).
		For(&wsv1.WorkspaceManager{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A route edited or deleted by hand is put back.
		Owns(&networkingv1.Ingress{}).
		// Who serves a namespace depends on every manager and on the
		// namespaces' labels: both decide the conflicts of all managers.
		Watches(&wsv1.WorkspaceManager{}, handler.EnqueueRequestsFromMapFunc(r.allManagers),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		WatchesMetadata(ns, handler.EnqueueRequestsFromMapFunc(r.allManagers),
			builder.WithPredicates(predicate.Or(predicate.LabelChangedPredicate{},
				predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})))
	if gwAPI {
		b = b.Owns(&gatewayv1.HTTPRoute{})
	}
	return b.Complete(r)
}

// allManagers queues every manager when there are two or more.
func (r *Reconciler) allManagers(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &wsv1.WorkspaceManagerList{}
	if err := r.List(ctx, list); err != nil {
		log(ctx).Error(err, "listing WorkspaceManagers")
		return nil
	}
	if len(list.Items) < 2 {
		return nil
	}
	reqs := make([]reconcile.Request, len(list.Items))
	for i := range list.Items {
		reqs[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])}
	}
	return reqs
}

func log(ctx context.Context) logr.Logger { return ctrllog.FromContext(ctx) }
