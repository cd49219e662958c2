package main

import (
	"reflect"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/proxyconfig"
	"github.com/weir-dev/weir/operator/workspaces"
)

func nn(ns, name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }

func TestUpstreams(t *testing.T) {
	u := upstreams{
		access: nn("weir-system", "weir-access"), accessAddr: "127.0.0.1:1001",
		ides: map[types.NamespacedName]string{nn("team-a", "ws-alice-nb"): "127.0.0.1:2001"},
		stub: "127.0.0.1:9999",
	}
	for _, tc := range []struct {
		ns, svc string
		port    int32
		want    string
	}{
		{"weir-system", "weir-access", 8090, "127.0.0.1:1001"},
		{"team-a", "ws-alice-nb", workspaces.Port, "127.0.0.1:2001"},
		{"team-a", "ws-alice-nb", workspaces.TunnelPort, "127.0.0.1:9999"}, // no tunnel stand-in
		{"team-b", "ws-alice-nb", workspaces.Port, "127.0.0.1:9999"},
		{"team-a", "weir-access", 8090, "127.0.0.1:9999"},
	} {
		if got := u.upstream(tc.ns, tc.svc, tc.port); got != tc.want {
			t.Errorf("upstream(%s, %s, %d) = %s, want %s", tc.ns, tc.svc, tc.port, got, tc.want)
		}
	}
	for hp, want := range map[string]string{
		"weir-access.weir-system.svc:8090":               "127.0.0.1:1001",
		"weir-access.weir-system.svc.cluster.local:8090": "127.0.0.1:1001",
		"evil.weir-system.svc:8090":                      "127.0.0.1:9999",
		"weir-access.other.svc:8090":                     "127.0.0.1:9999",
		"no-port":                                        "127.0.0.1:9999",
	} {
		if got := u.authUpstream(hp); got != want {
			t.Errorf("authUpstream(%s) = %s, want %s", hp, got, want)
		}
	}
}

func workspaceIngress(ns, name, path string) networkingv1.Ingress {
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: wsv1.WorkspaceSpec{Tunnel: &wsv1.WorkspaceTunnel{Port: 22}}}
	m := &wsv1.WorkspaceManager{ObjectMeta: metav1.ObjectMeta{Name: "weir"}, Spec: wsv1.WorkspaceManagerSpec{
		BaseURL: "http://127.0.0.1:4000" + path, URLScheme: "Path",
		Routing: wsv1.WorkspaceRouting{Ingress: &wsv1.IngressRouting{ClassName: "weir-caddy"},
			AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir-system", Port: 8090}},
	}}
	ing, err := workspaces.BuildIngress(ws, m)
	if err != nil {
		panic(err)
	}
	return *ing
}

func TestWantedIDEs(t *testing.T) {
	running := wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "alice-nb"}}
	stopped := wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "old"}, Spec: wsv1.WorkspaceSpec{DesiredStatus: wsv1.DesiredStopped}}
	gone := metav1.Now()
	deleting := wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "bye", DeletionTimestamp: &gone}}
	unrouted := wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "new"}}
	ings := []networkingv1.Ingress{
		workspaceIngress("team-a", "alice-nb", "/ide"),
		workspaceIngress("team-a", "old", ""),
		workspaceIngress("team-b", "bye", ""),
		// Same name, other namespace: not alice-nb's.
		workspaceIngress("team-b", "alice-nb", ""),
		{ObjectMeta: metav1.ObjectMeta{Namespace: "weir-system", Name: "weir-access"}},
	}
	got := wantedIDEs(ings, []wsv1.Workspace{running, stopped, deleting, unrouted})
	want := map[types.NamespacedName]ide{
		nn("team-a", "alice-nb"): {service: nn("team-a", "ws-alice-nb"), base: "/ide/workspaces/team-a/alice-nb/"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wantedIDEs = %+v, want %+v", got, want)
	}
}

// The rendered Caddyfile sends a Workspace's path to its Jupyter behind
// forward_auth to the local access server, and the tunnel path to the stub.
func TestRenderedWithStandIns(t *testing.T) {
	u := upstreams{
		access: nn("weir-system", "weir-access"), accessAddr: "127.0.0.1:1001",
		ides: map[types.NamespacedName]string{nn("team-a", "ws-alice-nb"): "127.0.0.1:2001"},
		stub: "127.0.0.1:9999",
	}
	cf, problems := proxyconfig.Render([]networkingv1.Ingress{workspaceIngress("team-a", "alice-nb", "")},
		proxyconfig.RenderOptions{Port: 4000, Admin: "127.0.0.1:4001", Bind: "127.0.0.1", Upstream: u.upstream, AuthUpstream: u.authUpstream})
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	for _, want := range []string{"forward_auth 127.0.0.1:1001", "reverse_proxy 127.0.0.1:2001", "reverse_proxy 127.0.0.1:9999", "admin 127.0.0.1:4001"} {
		if !strings.Contains(cf, want) {
			t.Errorf("Caddyfile lacks %q:\n%s", want, cf)
		}
	}
	if strings.Contains(cf, "svc") {
		t.Errorf("Caddyfile names an in-cluster address:\n%s", cf)
	}
}
