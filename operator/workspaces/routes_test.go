package workspaces_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

func gatewayManager(base string) *wsv1.WorkspaceManager {
	return &wsv1.WorkspaceManager{
		ObjectMeta: metav1.ObjectMeta{Name: "main"},
		Spec: wsv1.WorkspaceManagerSpec{
			BaseURL:   base,
			URLScheme: wsv1.URLSchemePath,
			Routing: wsv1.WorkspaceRouting{
				GatewayRef:    &wsv1.GatewayReference{Name: "edge", Namespace: "gw", SectionName: "https"},
				AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir-system", Port: 8090},
			},
		},
	}
}

func ingressManager(base string) *wsv1.WorkspaceManager {
	m := gatewayManager(base)
	m.Spec.Routing.GatewayRef = nil
	m.Spec.Routing.Ingress = &wsv1.IngressRouting{
		ClassName: "nginx", TLSSecretName: "ide-tls",
		Annotations: map[string]string{
			"nginx.ingress.kubernetes.io/auth-url": "http://weir-access.weir-system.svc:8090/_weir/auth",
			wsv1.AnnotationAuthURL:                 "http://elsewhere/", // Weir's own wins
		},
	}
	return m
}

func routedWorkspace() *wsv1.Workspace {
	ws := effective()
	ws.Name, ws.Namespace, ws.UID = "lab", "team-a", "uid-1"
	return ws
}

func TestWorkspaceURL(t *testing.T) {
	for _, c := range []struct {
		base   string
		scheme wsv1.URLScheme
		want   string
	}{
		{"https://ide.example.com", wsv1.URLSchemePath, "https://ide.example.com/workspaces/team-a/lab/"},
		{"https://apps.example.com/ide/", "", "https://apps.example.com/ide/workspaces/team-a/lab/"},
		{"https://ide.example.com:8443/ide", wsv1.URLSchemeSubdomain, "https://lab--team-a.ide.example.com:8443/"},
		{"http://ide.example.com", wsv1.URLSchemeSubdomain, "http://lab--team-a.ide.example.com/"},
	} {
		m := gatewayManager(c.base)
		m.Spec.URLScheme = c.scheme
		if got := workspaces.WorkspaceURL(m, "team-a", "lab"); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.base, c.scheme, got, c.want)
		}
	}
}

// The oldest manager whose selector matches serves; then the first by
// name; one being deleted or with a selector that matches nothing does not.
func TestManagerFor(t *testing.T) {
	at := func(minute int) metav1.Time { return metav1.NewTime(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC)) }
	m := func(name string, created metav1.Time, sel *metav1.LabelSelector) wsv1.WorkspaceManager {
		return wsv1.WorkspaceManager{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: created},
			Spec: wsv1.WorkspaceManagerSpec{NamespaceSelector: sel}}
	}
	team := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	deleting := m("aa-deleting", at(0), nil)
	deleting.DeletionTimestamp = ptr.To(at(9))
	managers := []wsv1.WorkspaceManager{
		m("z-everything", at(5), nil),
		m("b-team", at(1), team),
		m("a-team", at(1), team),
		m("bad", at(0), &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}}),
		deleting,
	}
	if got := workspaces.ManagerFor(managers, map[string]string{"team": "a"}); got == nil || got.Name != "a-team" {
		t.Errorf("team a: %v", got)
	}
	if got := workspaces.ManagerFor(managers, nil); got == nil || got.Name != "z-everything" {
		t.Errorf("no labels: %v", got)
	}
	if got := workspaces.ManagerFor(managers[1:3], map[string]string{"team": "b"}); got != nil {
		t.Errorf("team b: %v, want none", got.Name)
	}
}

func TestBuildHTTPRoute(t *testing.T) {
	ws := routedWorkspace()
	r, err := workspaces.BuildHTTPRoute(ws, gatewayManager("https://apps.example.com/ide"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != workspaces.RouteName("lab") || r.Namespace != "team-a" || !metav1.IsControlledBy(r, ws) {
		t.Errorf("meta %+v", r.ObjectMeta)
	}
	if r.Labels[wsv1.LabelWorkspace] != "lab" || r.Labels[wsv1.LabelManager] != "main" {
		t.Errorf("labels %v", r.Labels)
	}
	if got := r.Annotations[wsv1.AnnotationAuthURL]; got != "http://weir-access.weir-system.svc:8090/_weir/auth" {
		t.Errorf("auth-url %q", got)
	}
	p := r.Spec.ParentRefs
	if len(p) != 1 || p[0].Name != "edge" || *p[0].Namespace != "gw" || *p[0].SectionName != "https" || *p[0].Kind != "Gateway" {
		t.Errorf("parentRefs %+v", p)
	}
	if len(r.Spec.Hostnames) != 1 || r.Spec.Hostnames[0] != "apps.example.com" {
		t.Errorf("hostnames %v", r.Spec.Hostnames)
	}
	rule := r.Spec.Rules[0]
	if m := rule.Matches[0].Path; *m.Type != gatewayv1.PathMatchPathPrefix || *m.Value != "/ide/workspaces/team-a/lab/" {
		t.Errorf("match %s %s", *m.Type, *m.Value)
	}
	if b := rule.BackendRefs[0]; b.Name != gatewayv1.ObjectName(workspaces.ServiceName("lab")) || *b.Port != workspaces.Port || *b.Kind != "Service" {
		t.Errorf("backend %+v", b)
	}

	// Subdomain: the Workspace's own host, every path; a port in the
	// base URL is no part of a hostname.
	m := gatewayManager("https://ide.example.com:8443/ide")
	m.Spec.URLScheme = wsv1.URLSchemeSubdomain
	r, err = workspaces.BuildHTTPRoute(ws, m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Spec.Hostnames[0] != "lab--team-a.ide.example.com" || *r.Spec.Rules[0].Matches[0].Path.Value != "/" {
		t.Errorf("subdomain: %v %s", r.Spec.Hostnames, *r.Spec.Rules[0].Matches[0].Path.Value)
	}

	// An IP address cannot be a hostname: the route then matches every host.
	r, err = workspaces.BuildHTTPRoute(ws, gatewayManager("http://127.0.0.1:8080"))
	if err != nil || len(r.Spec.Hostnames) != 0 {
		t.Errorf("IP base: %v %v", r.Spec.Hostnames, err)
	}
}

// A Workspace whose name cannot be a host label has no route under the
// Subdomain scheme, and the error says what to change.
func TestSubdomainNeedsAHostLabel(t *testing.T) {
	m := gatewayManager("https://ide.example.com")
	m.Spec.URLScheme = wsv1.URLSchemeSubdomain
	ws := routedWorkspace()
	ws.Name = "my.lab"
	_, err := workspaces.BuildHTTPRoute(ws, m)
	if err == nil || !strings.Contains(err.Error(), "urlScheme Path") || !strings.Contains(err.Error(), `"my.lab--team-a"`) {
		t.Errorf("dotted name: %v", err)
	}
	ws.Name, ws.Namespace = "a", "x--team-a"
	if _, err := workspaces.BuildHTTPRoute(ws, m); err == nil || !strings.Contains(err.Error(), "cannot serve namespace x--team-a") {
		t.Errorf("namespace with --: %v", err)
	}
	ws.Name, ws.Namespace = "a--x", "team-a"
	if _, err := workspaces.BuildHTTPRoute(ws, m); err != nil {
		t.Errorf("name with --: %v", err)
	}
	ws.Name = strings.Repeat("a", 60)
	if _, err := workspaces.BuildIngress(ws, ingressManager("https://ide.example.com")); err != nil {
		t.Errorf("Path scheme takes any name: %v", err)
	}
	m = ingressManager("https://ide.example.com")
	m.Spec.URLScheme = wsv1.URLSchemeSubdomain
	if _, err := workspaces.BuildIngress(ws, m); err == nil || !strings.Contains(err.Error(), "at most 61 characters") {
		t.Errorf("long name: %v", err)
	}
}

func TestBuildIngress(t *testing.T) {
	ws := routedWorkspace()
	in, err := workspaces.BuildIngress(ws, ingressManager("https://ide.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if *in.Spec.IngressClassName != "nginx" || !metav1.IsControlledBy(in, ws) || in.Labels[wsv1.LabelManager] != "main" {
		t.Errorf("ingress %+v", in.ObjectMeta)
	}
	if in.Annotations["nginx.ingress.kubernetes.io/auth-url"] == "" ||
		in.Annotations[wsv1.AnnotationAuthURL] != "http://weir-access.weir-system.svc:8090/_weir/auth" {
		t.Errorf("annotations %v", in.Annotations)
	}
	rule := in.Spec.Rules[0]
	p := rule.HTTP.Paths[0]
	if rule.Host != "ide.example.com" || p.Path != "/workspaces/team-a/lab/" || *p.PathType != networkingv1.PathTypePrefix ||
		p.Backend.Service.Name != workspaces.ServiceName("lab") || p.Backend.Service.Port.Number != workspaces.Port {
		t.Errorf("rule %+v", rule)
	}
	if len(in.Spec.TLS) != 1 || in.Spec.TLS[0].SecretName != "ide-tls" || in.Spec.TLS[0].Hosts[0] != "ide.example.com" {
		t.Errorf("tls %+v", in.Spec.TLS)
	}
	m := ingressManager("https://ide.example.com")
	m.Spec.Routing.Ingress.TLSSecretName = ""
	if in, _ := workspaces.BuildIngress(ws, m); len(in.Spec.TLS) != 0 {
		t.Errorf("no secret, no tls: %+v", in.Spec.TLS)
	}
	// What Weir builds is recognised unchanged, and a manager's change is not.
	a, _ := workspaces.BuildIngress(ws, ingressManager("https://ide.example.com"))
	b, _ := workspaces.BuildIngress(ws, ingressManager("https://ide2.example.com"))
	if a.Annotations["workspace.jupyter.org/spec-hash"] != in.Annotations["workspace.jupyter.org/spec-hash"] ||
		a.Annotations["workspace.jupyter.org/spec-hash"] == b.Annotations["workspace.jupyter.org/spec-hash"] {
		t.Errorf("spec hash does not follow the built object")
	}
}

// The profile's identity goes on the pod: its ServiceAccount, the token
// only when it asks, its labels and annotations under Weir's own, its env
// after the Workspace's.
func TestBuildDeploymentWithProfile(t *testing.T) {
	ws := routedWorkspace()
	ws.Spec.Env = []corev1.EnvVar{{Name: "STAGE", Value: "dev"}}
	p := &wsv1.WorkspaceExecutionProfile{Spec: wsv1.WorkspaceExecutionProfileSpec{
		ServiceAccountName: "data-reader",
		PodAnnotations:     map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r", "workspace.jupyter.org/workspace-name": "forged"},
		PodLabels:          map[string]string{"azure.workload.identity/use": "true", wsv1.LabelWorkspace: "other", "app.kubernetes.io/managed-by": "me"},
		Env:                []corev1.EnvVar{{Name: "STAGE", Value: "prod"}, {Name: "AWS_REGION", Value: "eu-west-1"}},
	}}
	pod := workspaces.BuildDeployment(ws, p, "", 1, "").Spec.Template
	if pod.Spec.ServiceAccountName != "data-reader" || *pod.Spec.AutomountServiceAccountToken {
		t.Errorf("identity: %q automount %v", pod.Spec.ServiceAccountName, *pod.Spec.AutomountServiceAccountToken)
	}
	if pod.Labels["azure.workload.identity/use"] != "true" || pod.Labels[wsv1.LabelWorkspace] != "lab" || pod.Labels["app.kubernetes.io/managed-by"] != "weir" {
		t.Errorf("labels %v", pod.Labels)
	}
	if pod.Annotations["eks.amazonaws.com/role-arn"] == "" || pod.Annotations["workspace.jupyter.org/workspace-name"] != "" {
		t.Errorf("annotations %v", pod.Annotations)
	}
	if env := envOf(pod.Spec.Containers[0]); env["STAGE"] != "dev" || env["AWS_REGION"] != "eu-west-1" || len(pod.Spec.Containers[0].Env) != 2 {
		t.Errorf("env %v", pod.Spec.Containers[0].Env)
	}
	p.Spec.AutomountServiceAccountToken = ptr.To(true)
	if pod := workspaces.BuildDeployment(ws, p, "", 1, "").Spec.Template; !*pod.Spec.AutomountServiceAccountToken {
		t.Errorf("automount asked for, not given")
	}
	// The selector never moves with a profile, so a profile change rolls
	// the pod rather than orphaning it.
	if a, b := workspaces.BuildDeployment(ws, nil, "", 1, ""), workspaces.BuildDeployment(ws, p, "", 1, ""); a.Spec.Selector.String() != b.Spec.Selector.String() ||
		a.Annotations["workspace.jupyter.org/spec-hash"] == b.Annotations["workspace.jupyter.org/spec-hash"] {
		t.Errorf("selector or hash: %v %v", a.Spec.Selector, b.Spec.Selector)
	}
	// No profile: no ServiceAccount named, no token.
	if pod := workspaces.BuildDeployment(ws, nil, "", 1, "").Spec.Template; pod.Spec.ServiceAccountName != "" || *pod.Spec.AutomountServiceAccountToken {
		t.Errorf("no profile: %q %v", pod.Spec.ServiceAccountName, *pod.Spec.AutomountServiceAccountToken)
	}
}
