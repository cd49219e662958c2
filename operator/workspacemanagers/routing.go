package workspacemanagers

import (
	"context"
	"errors"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// RoutingReady reasons.
const (
	ReasonRoutingReady = "AccessRouteReady"
	// ReasonGatewayAPINotInstalled: spec.routing.gatewayRef, but the
	// cluster serves no Gateway API HTTPRoutes.
	ReasonGatewayAPINotInstalled = "GatewayAPINotInstalled"
	ReasonGatewayNotFound        = "GatewayNotFound"
	ReasonIngressClassNotFound   = "IngressClassNotFound"
	// ReasonAccessRouteConflict: the access route's name is taken by an
	// object this manager does not control.
	ReasonAccessRouteConflict = "AccessRouteConflict"
	// ReasonAccessRouteFailed: the API server refused the access route, or
	// the base URL cannot be routed.
	ReasonAccessRouteFailed = "AccessRouteFailed"
)

// httpRouteKind is what GatewayAPIInstalled looks for.
var httpRouteKind = schema.GroupKind{Group: gatewayv1.GroupName, Kind: "HTTPRoute"}

// GatewayAPIInstalled says whether the cluster serves Gateway API
// HTTPRoutes (v1). Without them nothing may watch or cache HTTPRoutes: the
// manager would not start.
func GatewayAPIInstalled(mapper meta.RESTMapper) (bool, error) {
	_, err := mapper.RESTMapping(httpRouteKind, gatewayv1.GroupVersion.Version)
	if meta.IsNoMatchError(err) {
		return false, nil
	}
	return err == nil, err
}

// reconcileRouting makes the access route of the routing kind in use,
// deletes one of the other kind left from before, and says whether the
// Gateway or IngressClass is there. A non-nil error is worth a retry.
func (r *Reconciler) reconcileRouting(ctx context.Context, m *wsv1.WorkspaceManager) (metav1.Condition, error) {
	gwAPI, err := GatewayAPIInstalled(r.Mapper)
	if err != nil {
		return failed(ReasonAccessRouteFailed, fmt.Sprintf("discovering the Gateway API: %v", err)), err
	}
	if m.Spec.Routing.Ingress != nil {
		if gwAPI {
			if err := r.deleteOwned(ctx, m, &gatewayv1.HTTPRoute{}); err != nil {
				return failed(ReasonAccessRouteFailed, err.Error()), err
			}
		}
		desired, err := BuildAccessIngress(m)
		if err != nil {
			return failed(ReasonAccessRouteFailed, err.Error()), nil
		}
		if c, bad, err := r.ensure(ctx, m, desired, &networkingv1.Ingress{}); bad {
			return c, err
		}
		class := m.Spec.Routing.Ingress.ClassName
		if err := r.APIReader.Get(ctx, client.ObjectKey{Name: class}, &networkingv1.IngressClass{}); err != nil {
			if apierrors.IsNotFound(err) {
				return failed(ReasonIngressClassNotFound, fmt.Sprintf("IngressClass %s (spec.routing.ingress.className) not found; install its ingress controller or name another class", class)), nil
			}
			return failed(ReasonAccessRouteFailed, fmt.Sprintf("IngressClass %s: %v", class, err)), err
		}
		return condition(wsv1.ConditionRoutingReady, true, ReasonRoutingReady,
			fmt.Sprintf("Ingress %s/%s routes %s to the access server", desired.Namespace, desired.Name, wsv1.AccessPathPrefix)), nil
	}
	if err := r.deleteOwned(ctx, m, &networkingv1.Ingress{}); err != nil {
		return failed(ReasonAccessRouteFailed, err.Error()), err
	}
	ref := m.Spec.Routing.GatewayRef
	if ref == nil { // the CRD's rule requires one of the two
		return failed(ReasonAccessRouteFailed, "spec.routing needs gatewayRef or ingress"), nil
	}
	if !gwAPI {
		return failed(ReasonGatewayAPINotInstalled, "spec.routing.gatewayRef needs the Gateway API (HTTPRoute v1) in the cluster; install its CRDs and restart Weir, or use spec.routing.ingress"), nil
	}
	desired, err := BuildAccessHTTPRoute(m)
	if err != nil {
		return failed(ReasonAccessRouteFailed, err.Error()), nil
	}
	if c, bad, err := r.ensure(ctx, m, desired, &gatewayv1.HTTPRoute{}); bad {
		return c, err
	}
	gw := &metav1.PartialObjectMetadata{}
	gw.SetGroupVersionKind(schema.GroupVersion(gatewayv1.GroupVersion).WithKind("Gateway"))
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, gw); err != nil {
		if apierrors.IsNotFound(err) {
			return failed(ReasonGatewayNotFound, fmt.Sprintf("Gateway %s/%s (spec.routing.gatewayRef) not found; create it or name another", ref.Namespace, ref.Name)), nil
		}
		return failed(ReasonAccessRouteFailed, fmt.Sprintf("Gateway %s/%s: %v", ref.Namespace, ref.Name, err)), err
	}
	return condition(wsv1.ConditionRoutingReady, true, ReasonRoutingReady,
		fmt.Sprintf("HTTPRoute %s/%s attached to Gateway %s/%s routes %s to the access server", desired.Namespace, desired.Name, ref.Namespace, ref.Name, wsv1.AccessPathPrefix)), nil
}

func failed(reason, msg string) metav1.Condition {
	return condition(wsv1.ConditionRoutingReady, false, reason, msg)
}

// ensure creates desired or rewrites the route of its name that this
// manager controls when it was built from another spec. It reads through
// the API reader: the access route may live in a namespace the cache does
// not hold. bad: c says why the route is not as wanted.
func (r *Reconciler) ensure(ctx context.Context, m *wsv1.WorkspaceManager, desired, existing client.Object) (c metav1.Condition, bad bool, err error) {
	kind := kindOf(desired)
	fail := func(err error) (metav1.Condition, bool, error) {
		return failed(ReasonAccessRouteFailed, fmt.Sprintf("%s %s/%s: %v", kind, desired.GetNamespace(), desired.GetName(), err)), true, err
	}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(desired), existing); err != nil {
		if !apierrors.IsNotFound(err) {
			return fail(err)
		}
		if err := r.Create(ctx, desired); err != nil {
			if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsNotFound(err) {
				// Only a change to the manager, RBAC or the access
				// Service's namespace (NotFound: it does not exist)
				// helps; checked again with the other failures.
				c, _, _ := fail(err)
				return c, true, nil
			}
			return fail(err)
		}
		r.Recorder.Eventf(m, desired, "Normal", ReasonRouteCreated, "Create", "created %s %s/%s", kind, desired.GetNamespace(), desired.GetName())
		return metav1.Condition{}, false, nil
	}
	if ref := metav1.GetControllerOf(existing); ref == nil || ref.UID != m.UID {
		return failed(ReasonAccessRouteConflict, fmt.Sprintf("%s %s/%s exists and is not controlled by WorkspaceManager %s; delete or rename it",
			kind, existing.GetNamespace(), existing.GetName(), m.Name)), true, nil
	}
	if existing.GetAnnotations()[annotationSpecHash] == desired.GetAnnotations()[annotationSpecHash] &&
		existing.GetLabels()[wsv1.LabelManager] == desired.GetLabels()[wsv1.LabelManager] {
		return metav1.Condition{}, false, nil
	}
	desired.SetResourceVersion(existing.GetResourceVersion())
	if err := r.Update(ctx, desired); err != nil {
		if apierrors.IsInvalid(err) {
			c, _, _ := fail(err)
			return c, true, nil
		}
		return fail(err)
	}
	return metav1.Condition{}, false, nil
}

// deleteOwned deletes the access route of obj's kind in the access
// namespace if this manager controls it: left from the other routing kind.
func (r *Reconciler) deleteOwned(ctx context.Context, m *wsv1.WorkspaceManager, obj client.Object) error {
	key := client.ObjectKey{Namespace: m.Spec.Routing.AccessService.Namespace, Name: AccessRouteName(m.Name)}
	if err := r.APIReader.Get(ctx, key, obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	if ref := metav1.GetControllerOf(obj); ref == nil || ref.UID != m.UID {
		return nil
	}
	err := r.Delete(ctx, obj, client.Preconditions{UID: ptr.To(obj.GetUID())})
	if err = client.IgnoreNotFound(err); err != nil {
		return fmt.Errorf("deleting %s %s/%s: %w", kindOf(obj), key.Namespace, key.Name, err)
	}
	return nil
}

// deleteMoved deletes access routes this manager controls in other
// namespaces than its access Service's: left when accessService.namespace
// changed. A cluster-wide list of routes may be forbidden (a namespaced
// install); the garbage collector removes them with the manager then.
func (r *Reconciler) deleteMoved(ctx context.Context, m *wsv1.WorkspaceManager, gwAPI bool) error {
	lists := []client.ObjectList{&networkingv1.IngressList{}}
	if gwAPI {
		lists = append(lists, &gatewayv1.HTTPRouteList{})
	}
	var errs []error
	for _, l := range lists {
		if err := r.APIReader.List(ctx, l, client.MatchingLabels{wsv1.LabelManager: ManagerLabelValue(m.Name)}); err != nil {
			if !apierrors.IsForbidden(err) {
				errs = append(errs, err)
			}
			continue
		}
		_ = meta.EachListItem(l, func(o runtime.Object) error {
			obj := o.(client.Object)
			ref := metav1.GetControllerOf(obj)
			if ref == nil || ref.UID != m.UID || obj.GetNamespace() == m.Spec.Routing.AccessService.Namespace {
				return nil
			}
			if err := r.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
				errs = append(errs, err)
			}
			return nil
		})
	}
	return errors.Join(errs...)
}

func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *gatewayv1.HTTPRoute:
		return "HTTPRoute"
	case *networkingv1.Ingress:
		return "Ingress"
	}
	return fmt.Sprintf("%T", obj)
}
