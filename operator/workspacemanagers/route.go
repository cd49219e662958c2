package workspacemanagers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
)

const (
	// accessRoutePrefix starts the access route's name: weir-access-<manager>.
	accessRoutePrefix = "weir-access-"
	// annotationSpecHash records the desired spec the route was built
	// from, so an unchanged manager is recognised without comparing the
	// API server's defaults, and a changed one rewrites the route.
	annotationSpecHash = "workspace.jupyter.org/spec-hash"
	// AnnotationManager holds the manager's full name; the label may be cut.
	AnnotationManager = "workspace.jupyter.org/manager-name"
)

// PublicPaths are the access server's pages a browser must reach without a
// session, under <basePath>/_weir/. Only these are routed: the forward-auth
// endpoint (/_weir/auth) is for the proxy, inside the cluster, and is never
// exposed through the access route.
var PublicPaths = []string{"login", "callback", "logout"}

// AccessRouteName is the name of a manager's access route (HTTPRoute or
// Ingress), in the access Service's namespace.
func AccessRouteName(manager string) string {
	return runs.FitName(accessRoutePrefix+manager, "", validation.DNS1123SubdomainMaxLength)
}

// ManagerLabelValue is the LabelManager value of a manager's routes; a name
// longer than a label value allows (63) is cut and ends in a digest.
func ManagerLabelValue(manager string) string {
	return runs.FitName(manager, "", validation.LabelValueMaxLength)
}

// baseParts splits a base URL into the host the routes match (no port;
// empty for an IP address, which neither an HTTPRoute hostname nor an
// Ingress host may be) and the path prefix without a trailing slash.
func baseParts(baseURL string) (host, basePath string, err error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("spec.baseURL %q is not an absolute URL; set it to e.g. https://ide.example.com", baseURL)
	}
	host = u.Hostname()
	if net.ParseIP(host) != nil {
		host = ""
	}
	return host, strings.TrimRight(u.Path, "/"), nil
}

// accessPaths are the exact paths the access route serves.
func accessPaths(basePath string) []string {
	out := make([]string, len(PublicPaths))
	for i, p := range PublicPaths {
		out[i] = basePath + wsv1.AccessPathPrefix + p
	}
	return out
}

func routeMeta(m *wsv1.WorkspaceManager, spec any) metav1.ObjectMeta {
	svc := m.Spec.Routing.AccessService
	return metav1.ObjectMeta{
		Name:      AccessRouteName(m.Name),
		Namespace: svc.Namespace,
		Labels: map[string]string{
			wsv1.LabelManager:     ManagerLabelValue(m.Name),
			runsv1.LabelManagedBy: runsv1.ManagedBy,
		},
		Annotations: map[string]string{
			AnnotationManager:  m.Name,
			annotationSpecHash: hashOf(spec),
		},
		// A namespaced object may have a cluster-scoped owner: the route
		// goes with its manager.
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(m,
			wsv1.GroupVersion.WithKind("WorkspaceManager"))},
	}
}

// BuildAccessHTTPRoute is the access route of a manager with a gatewayRef:
// the public pages of the access server, attached to the Gateway, on the
// base URL's host. No auth-url annotation: login must work without a
// session.
func BuildAccessHTTPRoute(m *wsv1.WorkspaceManager) (*gatewayv1.HTTPRoute, error) {
	ref := m.Spec.Routing.GatewayRef
	if ref == nil {
		return nil, fmt.Errorf("spec.routing.gatewayRef is not set")
	}
	host, basePath, err := baseParts(m.Spec.BaseURL)
	if err != nil {
		return nil, err
	}
	parent := gatewayv1.ParentReference{
		Group:     ptr.To(gatewayv1.Group(gatewayv1.GroupName)),
		Kind:      ptr.To(gatewayv1.Kind("Gateway")),
		Namespace: ptr.To(gatewayv1.Namespace(ref.Namespace)),
		Name:      gatewayv1.ObjectName(ref.Name),
	}
	if ref.SectionName != "" {
		parent.SectionName = ptr.To(gatewayv1.SectionName(ref.SectionName))
	}
	var matches []gatewayv1.HTTPRouteMatch
	for _, p := range accessPaths(basePath) {
		matches = append(matches, gatewayv1.HTTPRouteMatch{Path: &gatewayv1.HTTPPathMatch{
			Type: ptr.To(gatewayv1.PathMatchExact), Value: ptr.To(p),
		}})
	}
	svc := m.Spec.Routing.AccessService
	spec := gatewayv1.HTTPRouteSpec{
		CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{parent}},
		Rules: []gatewayv1.HTTPRouteRule{{
			Matches: matches,
			BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
				BackendObjectReference: gatewayv1.BackendObjectReference{
					Name: gatewayv1.ObjectName(svc.Name),
					Port: ptr.To(svc.Port),
				},
			}}},
		}},
	}
	if host != "" {
		spec.Hostnames = []gatewayv1.Hostname{gatewayv1.Hostname(host)}
	}
	return &gatewayv1.HTTPRoute{ObjectMeta: routeMeta(m, spec), Spec: spec}, nil
}

// BuildAccessIngress is the access route of a manager with ingress routing.
// The manager's ingress annotations are not copied: they are meant to put
// the Workspaces behind forward-auth, which would lock the login page
// itself away.
func BuildAccessIngress(m *wsv1.WorkspaceManager) (*networkingv1.Ingress, error) {
	ing := m.Spec.Routing.Ingress
	if ing == nil {
		return nil, fmt.Errorf("spec.routing.ingress is not set")
	}
	host, basePath, err := baseParts(m.Spec.BaseURL)
	if err != nil {
		return nil, err
	}
	svc := m.Spec.Routing.AccessService
	backend := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
		Name: svc.Name, Port: networkingv1.ServiceBackendPort{Number: svc.Port},
	}}
	var paths []networkingv1.HTTPIngressPath
	for _, p := range accessPaths(basePath) {
		paths = append(paths, networkingv1.HTTPIngressPath{
			Path: p, PathType: ptr.To(networkingv1.PathTypeExact), Backend: backend,
		})
	}
	spec := networkingv1.IngressSpec{
		IngressClassName: ptr.To(ing.ClassName),
		Rules: []networkingv1.IngressRule{{
			Host:             host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}},
		}},
	}
	if ing.TLSSecretName != "" {
		tls := networkingv1.IngressTLS{SecretName: ing.TLSSecretName}
		if host != "" {
			tls.Hosts = []string{host}
		}
		spec.TLS = []networkingv1.IngressTLS{tls}
	}
	return &networkingv1.Ingress{ObjectMeta: routeMeta(m, spec), Spec: spec}, nil
}

// hashOf is a short, stable digest of a desired spec.
func hashOf(v any) string {
	b, _ := json.Marshal(v) // specs of API types always marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
