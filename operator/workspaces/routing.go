package workspaces

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// ReasonRouteNotPossible (Degraded): the manager cannot route this
// Workspace (its name does not fit the Subdomain scheme, the Gateway API
// is not installed); the message says what to change.
const ReasonRouteNotPossible = "RouteNotPossible"

// ReasonDeleted: a route of a kind the manager no longer makes, or of a
// manager that no longer serves the namespace, was deleted.
const ReasonDeleted = "Deleted"

// routeKinds are the kinds a Workspace's route may have, each with an
// empty object to read it into.
var routeKinds = []struct {
	kind  string
	empty func() client.Object
}{
	{KindHTTPRoute, func() client.Object { return &gatewayv1.HTTPRoute{} }},
	{KindIngress, func() client.Object { return &networkingv1.Ingress{} }},
}

// reconcileRoute makes the one route of the serving manager's kind and
// deletes the other kind; with no manager, it deletes both (status.url
// then comes from --workspace-url-base).
func (r *Reconciler) reconcileRoute(ctx context.Context, ws, eff *wsv1.Workspace, obs *observed) error {
	m := obs.manager
	if m == nil {
		return r.deleteRoutes(ctx, ws, "", "no WorkspaceManager serves namespace "+ws.Namespace)
	}
	kind := RouteKind(m)
	var want, have client.Object
	var err error
	switch {
	case kind == KindHTTPRoute && !r.gatewayAPI:
		err = fmt.Errorf("WorkspaceManager %s routes through Gateway %s/%s, but the Gateway API (HTTPRoute of gateway.networking.k8s.io/v1) "+
			"was not installed when Weir started; install its CRDs and restart Weir, or give the manager spec.routing.ingress",
			m.Name, m.Spec.Routing.GatewayRef.Namespace, m.Spec.Routing.GatewayRef.Name)
	case kind == KindHTTPRoute:
		want, err = BuildHTTPRoute(eff, m)
		have = &gatewayv1.HTTPRoute{}
	default:
		want, err = BuildIngress(eff, m)
		have = &networkingv1.Ingress{}
	}
	if err != nil {
		// No URL under this manager: no route of either kind, so nothing
		// serves an old one.
		obs.routeProblem = err.Error()
		return r.deleteRoutes(ctx, ws, "", "the WorkspaceManager cannot route the Workspace (see its Degraded condition)")
	}
	if err := r.deleteRoutes(ctx, ws, kind, "WorkspaceManager "+m.Name+" now routes with an "+kind); err != nil {
		return err
	}
	if err := r.ensureRoute(ctx, ws, want, have, obs); err != nil {
		return err
	}
	obs.route = &wsv1.RouteStatus{Kind: kind, Name: want.GetName(), Manager: m.Name}
	return nil
}

// ensureRoute creates the route, or updates it when what Weir builds
// changed (the spec-hash annotation): its spec, labels, and annotations,
// which are replaced so that one the manager no longer lists goes.
func (r *Reconciler) ensureRoute(ctx context.Context, ws *wsv1.Workspace, want, have client.Object, obs *observed) error {
	found, err := r.get(ctx, ws, want.GetName(), have)
	if err != nil {
		return err
	}
	if !found {
		return r.create(ctx, ws, want, obs)
	}
	if err := mustOwn(ws, have); err != nil {
		return err
	}
	if have.GetAnnotations()[annotationSpecHash] == want.GetAnnotations()[annotationSpecHash] {
		return nil
	}
	patch := client.MergeFrom(have.DeepCopyObject().(client.Object))
	switch h := have.(type) {
	case *gatewayv1.HTTPRoute:
		h.Spec = want.(*gatewayv1.HTTPRoute).Spec
	case *networkingv1.Ingress:
		h.Spec = want.(*networkingv1.Ingress).Spec
	}
	labels := have.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	for k, v := range want.GetLabels() {
		labels[k] = v
	}
	have.SetLabels(labels)
	have.SetAnnotations(want.GetAnnotations())
	if err := r.Patch(ctx, have, patch); err != nil {
		return fmt.Errorf("update %s %s: %w", kindOf(have), have.GetName(), err)
	}
	r.Recorder.Eventf(ws, have, corev1.EventTypeNormal, ReasonUpdated, "Update",
		"%s %s updated to the WorkspaceManager's routing", kindOf(have), have.GetName())
	return nil
}

// deleteRoutes deletes the Workspace's routes of every kind but keep,
// telling the user why.
func (r *Reconciler) deleteRoutes(ctx context.Context, ws *wsv1.Workspace, keep, why string) error {
	for _, k := range routeKinds {
		if k.kind == keep || (k.kind == KindHTTPRoute && !r.gatewayAPI) {
			continue
		}
		obj := k.empty()
		found, err := r.get(ctx, ws, RouteName(ws.Name), obj)
		if err != nil {
			return err
		}
		if !found || !metav1.IsControlledBy(obj, ws) {
			continue
		}
		uid := obj.GetUID()
		if err := r.Delete(ctx, obj, client.Preconditions{UID: &uid}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete %s %s: %w", k.kind, obj.GetName(), err)
		}
		r.Recorder.Eventf(ws, obj, corev1.EventTypeNormal, ReasonDeleted, "Delete",
			"%s %s deleted: %s", k.kind, obj.GetName(), why)
	}
	return nil
}

// observeRoute is the route a Workspace held back (not valid) keeps, for
// status; it is neither created nor changed until the Workspace is valid.
func (r *Reconciler) observeRoute(ctx context.Context, ws *wsv1.Workspace, obs *observed) error {
	for _, k := range routeKinds {
		if k.kind == KindHTTPRoute && !r.gatewayAPI {
			continue
		}
		obj := k.empty()
		found, err := r.get(ctx, ws, RouteName(ws.Name), obj)
		if err != nil {
			return err
		}
		if found && metav1.IsControlledBy(obj, ws) {
			manager := obj.GetLabels()[wsv1.LabelManager]
			if m := obs.manager; m != nil && WorkspaceLabelValue(m.Name) == manager {
				manager = m.Name
			}
			obs.route = &wsv1.RouteStatus{Kind: k.kind, Name: obj.GetName(), Manager: manager}
			return nil
		}
	}
	return nil
}
