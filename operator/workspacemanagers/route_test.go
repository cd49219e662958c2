package workspacemanagers_test

import (
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspacemanagers"
)

func testManager(baseURL string) *wsv1.WorkspaceManager {
	return &wsv1.WorkspaceManager{
		ObjectMeta: metav1.ObjectMeta{Name: "main", UID: "uid-1"},
		Spec: wsv1.WorkspaceManagerSpec{
			BaseURL: baseURL,
			Routing: wsv1.WorkspaceRouting{
				GatewayRef:    &wsv1.GatewayReference{Name: "public", Namespace: "gateways", SectionName: "https"},
				AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir-system", Port: 8090},
			},
			Authentication: wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{IssuerURL: "https://idp.example.com", ClientID: "weir"}},
		},
	}
}

// The access route serves exactly the public pages under the base path,
// on the base host, to the access Service, and nothing else under /_weir/.
func TestBuildAccessHTTPRoute(t *testing.T) {
	m := testManager("https://apps.example.com:8443/ide/")
	r, err := workspacemanagers.BuildAccessHTTPRoute(m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "weir-access-main" || r.Namespace != "weir-system" {
		t.Errorf("route %s/%s, want weir-system/weir-access-main", r.Namespace, r.Name)
	}
	if r.Labels[wsv1.LabelManager] != "main" || r.Annotations[wsv1.AnnotationAuthURL] != "" {
		t.Errorf("labels %v annotations %v: want the manager label and no auth-url", r.Labels, r.Annotations)
	}
	if ref := metav1.GetControllerOf(r); ref == nil || ref.Kind != "WorkspaceManager" || ref.UID != "uid-1" {
		t.Errorf("controller %+v, want the WorkspaceManager", ref)
	}
	p := r.Spec.ParentRefs
	if len(p) != 1 || p[0].Name != "public" || *p[0].Namespace != "gateways" || *p[0].SectionName != "https" || *p[0].Kind != "Gateway" {
		t.Errorf("parentRefs %+v, want Gateway gateways/public section https", p)
	}
	if len(r.Spec.Hostnames) != 1 || r.Spec.Hostnames[0] != "apps.example.com" {
		t.Errorf("hostnames %v, want [apps.example.com] (no port)", r.Spec.Hostnames)
	}
	if len(r.Spec.Rules) != 1 {
		t.Fatalf("%d rules, want 1", len(r.Spec.Rules))
	}
	var paths []string
	for _, mt := range r.Spec.Rules[0].Matches {
		if *mt.Path.Type != gatewayv1.PathMatchExact {
			t.Errorf("match %s is %s, want Exact", *mt.Path.Value, *mt.Path.Type)
		}
		paths = append(paths, *mt.Path.Value)
	}
	if got := strings.Join(paths, " "); got != "/ide/_weir/login /ide/_weir/callback /ide/_weir/logout" {
		t.Errorf("paths %s", got)
	}
	b := r.Spec.Rules[0].BackendRefs
	if len(b) != 1 || b[0].Name != "weir-access" || *b[0].Port != 8090 || b[0].Namespace != nil {
		t.Errorf("backendRefs %+v, want weir-access:8090 in the route's namespace", b)
	}
}

// An IP base host matches every host (neither kind takes an address), and
// a bare base URL puts the pages at the root.
func TestAccessRouteOfIPHost(t *testing.T) {
	m := testManager("http://127.0.0.1:8080")
	r, err := workspacemanagers.BuildAccessHTTPRoute(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Spec.Hostnames) != 0 || *r.Spec.Rules[0].Matches[0].Path.Value != "/_weir/login" {
		t.Errorf("hostnames %v, first path %s", r.Spec.Hostnames, *r.Spec.Rules[0].Matches[0].Path.Value)
	}
}

func TestBuildAccessIngress(t *testing.T) {
	m := testManager("https://ide.example.com")
	m.Spec.Routing.GatewayRef = nil
	m.Spec.Routing.Ingress = &wsv1.IngressRouting{ClassName: "nginx", TLSSecretName: "ide-tls",
		Annotations: map[string]string{"nginx.ingress.kubernetes.io/auth-url": "http://weir-access.weir-system.svc:8090/_weir/auth"}}
	ing, err := workspacemanagers.BuildAccessIngress(m)
	if err != nil {
		t.Fatal(err)
	}
	if *ing.Spec.IngressClassName != "nginx" || len(ing.Annotations) != 2 {
		t.Errorf("class %s annotations %v: want nginx, and the manager's (forward-auth) annotations not copied", *ing.Spec.IngressClassName, ing.Annotations)
	}
	rule := ing.Spec.Rules[0]
	if rule.Host != "ide.example.com" || len(rule.HTTP.Paths) != 3 {
		t.Fatalf("rule %+v", rule)
	}
	for _, p := range rule.HTTP.Paths {
		if *p.PathType != networkingv1.PathTypeExact || !strings.HasPrefix(p.Path, "/_weir/") ||
			p.Backend.Service.Name != "weir-access" || p.Backend.Service.Port.Number != 8090 {
			t.Errorf("path %+v", p)
		}
	}
	if len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != "ide-tls" || ing.Spec.TLS[0].Hosts[0] != "ide.example.com" {
		t.Errorf("tls %+v", ing.Spec.TLS)
	}
}

// A change of the manager changes the recorded hash, so the route is rewritten.
func TestAccessRouteHashFollowsSpec(t *testing.T) {
	a, _ := workspacemanagers.BuildAccessHTTPRoute(testManager("https://a.example.com"))
	b, _ := workspacemanagers.BuildAccessHTTPRoute(testManager("https://b.example.com"))
	a2, _ := workspacemanagers.BuildAccessHTTPRoute(testManager("https://a.example.com"))
	h := "workspace.jupyter.org/spec-hash"
	if a.Annotations[h] == b.Annotations[h] || a.Annotations[h] != a2.Annotations[h] {
		t.Errorf("hashes %s %s %s: want stable per spec, different across specs", a.Annotations[h], b.Annotations[h], a2.Annotations[h])
	}
}

func TestAccessRouteNameFits(t *testing.T) {
	long := strings.Repeat("m", 253)
	n := workspacemanagers.AccessRouteName(long)
	if len(n) > validation.DNS1123SubdomainMaxLength || !strings.HasPrefix(n, "weir-access-") {
		t.Errorf("name %q (%d)", n, len(n))
	}
	if v := workspacemanagers.ManagerLabelValue(long); len(validation.IsValidLabelValue(v)) > 0 {
		t.Errorf("label value %q invalid", v)
	}
}
