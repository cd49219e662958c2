package workspaces

import (
	"fmt"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;update;patch;delete

// Kinds of a Workspace's route, as status.route.kind says them.
const (
	KindHTTPRoute = "HTTPRoute"
	KindIngress   = "Ingress"
)

// RouteKind is the kind of route a manager makes: HTTPRoute when it names
// a Gateway, Ingress otherwise.
func RouteKind(m *wsv1.WorkspaceManager) string {
	if m.Spec.Routing.GatewayRef != nil {
		return KindHTTPRoute
	}
	return KindIngress
}

// AuthURL is the forward-auth endpoint of a manager's access Service, which
// a proxy calls before it passes a request on a Workspace's route.
func AuthURL(m *wsv1.WorkspaceManager) string {
	s := m.Spec.Routing.AccessService
	return "http://" + s.Name + "." + s.Namespace + ".svc:" + strconv.Itoa(int(s.Port)) + wsv1.AccessPathPrefix + "auth"
}

// routeMeta is a route's metadata: a child's, plus the manager it was made
// from and the forward-auth endpoint the proxy must call.
func routeMeta(ws *wsv1.Workspace, m *wsv1.WorkspaceManager) (labels, annotations map[string]string) {
	meta := childMeta(ws, RouteName(ws.Name))
	meta.Labels[wsv1.LabelManager] = WorkspaceLabelValue(m.Name)
	meta.Annotations[wsv1.AnnotationAuthURL] = AuthURL(m)
	return meta.Labels, meta.Annotations
}

// BuildHTTPRoute is a Workspace's Gateway API route under a manager that
// names a Gateway: its host (Path: the base host; Subdomain: the
// Workspace's own) and path prefix, to its Service.
func BuildHTTPRoute(ws *wsv1.Workspace, m *wsv1.WorkspaceManager) (*gatewayv1.HTTPRoute, error) {
	gw := m.Spec.Routing.GatewayRef
	if gw == nil {
		return nil, fmt.Errorf("WorkspaceManager %s names no Gateway (spec.routing.gatewayRef)", m.Name)
	}
	t, err := targetOf(m, ws.Namespace, ws.Name)
	if err != nil {
		return nil, err
	}
	parent := gatewayv1.ParentReference{
		Group:     ptr.To(gatewayv1.Group(gatewayv1.GroupName)),
		Kind:      ptr.To(gatewayv1.Kind("Gateway")),
		Namespace: ptr.To(gatewayv1.Namespace(gw.Namespace)),
		Name:      gatewayv1.ObjectName(gw.Name),
	}
	if gw.SectionName != "" {
		parent.SectionName = ptr.To(gatewayv1.SectionName(gw.SectionName))
	}
	spec := gatewayv1.HTTPRouteSpec{
		CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{parent}},
		Rules: []gatewayv1.HTTPRouteRule{{
			Matches: []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{
				Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To(t.path),
			}}},
			BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{
				Group: ptr.To(gatewayv1.Group("")),
				Kind:  ptr.To(gatewayv1.Kind("Service")),
				Name:  gatewayv1.ObjectName(ServiceName(ws.Name)),
				Port:  ptr.To(gatewayv1.PortNumber(Port)),
			}}}},
		}},
	}
	spec.Rules = append(spec.Rules, tunnelHTTPRouteRules(ws, t.path)...)
	if t.host != "" {
		spec.Hostnames = []gatewayv1.Hostname{gatewayv1.Hostname(t.host)}
	}
	meta := childMeta(ws, RouteName(ws.Name))
	meta.Labels, meta.Annotations = routeMeta(ws, m)
	meta.Annotations[annotationSpecHash] = hashOf(struct {
		Spec        gatewayv1.HTTPRouteSpec
		Labels, Ann map[string]string
	}{spec, meta.Labels, meta.Annotations})
	return &gatewayv1.HTTPRoute{ObjectMeta: meta, Spec: spec}, nil
}

// BuildIngress is a Workspace's Ingress under a manager with ingress
// routing: its class, the manager's annotations (the ingress controller's
// forward-auth settings; Weir's own win), host and path prefix to its
// Service, and TLS when the manager names a certificate Secret.
func BuildIngress(ws *wsv1.Workspace, m *wsv1.WorkspaceManager) (*networkingv1.Ingress, error) {
	in := m.Spec.Routing.Ingress
	if in == nil {
		return nil, fmt.Errorf("WorkspaceManager %s has no spec.routing.ingress", m.Name)
	}
	t, err := targetOf(m, ws.Namespace, ws.Name)
	if err != nil {
		return nil, err
	}
	spec := networkingv1.IngressSpec{
		IngressClassName: ptr.To(in.ClassName),
		Rules: []networkingv1.IngressRule{{
			Host: t.host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path:     t.path,
					PathType: ptr.To(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: ServiceName(ws.Name), Port: networkingv1.ServiceBackendPort{Number: Port},
					}},
				}},
			}},
		}},
	}
	paths := spec.Rules[0].HTTP
	paths.Paths = append(paths.Paths, tunnelIngressPaths(ws, t.path)...)
	if in.TLSSecretName != "" {
		tls := networkingv1.IngressTLS{SecretName: in.TLSSecretName}
		if t.tlsHost != "" {
			tls.Hosts = []string{t.tlsHost}
		}
		spec.TLS = []networkingv1.IngressTLS{tls}
	}
	meta := childMeta(ws, RouteName(ws.Name))
	labels, ours := routeMeta(ws, m)
	annotations := make(map[string]string, len(in.Annotations)+len(ours)+1)
	for k, v := range in.Annotations {
		annotations[k] = v
	}
	for k, v := range ours {
		annotations[k] = v
	}
	meta.Labels, meta.Annotations = labels, annotations
	meta.Annotations[annotationSpecHash] = hashOf(struct {
		Spec        networkingv1.IngressSpec
		Labels, Ann map[string]string
	}{spec, meta.Labels, meta.Annotations})
	return &networkingv1.Ingress{ObjectMeta: meta, Spec: spec}, nil
}
