package proxyconfig_test

import (
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspacemanagers"
	"github.com/weir-dev/weir/operator/workspaces"
)

// caddyClass is the IngressClass the tests' managers name.
const caddyClass = "weir-caddy"

func testManager(name, base string) *wsv1.WorkspaceManager {
	return &wsv1.WorkspaceManager{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec: wsv1.WorkspaceManagerSpec{
			BaseURL:   base,
			URLScheme: wsv1.URLSchemePath,
			Routing: wsv1.WorkspaceRouting{
				Ingress:       &wsv1.IngressRouting{ClassName: caddyClass},
				AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir-system", Port: 8090},
			},
		},
	}
}

// workspaceIngress is the Ingress Weir makes for Workspace namespace/name.
func workspaceIngress(t testing.TB, m *wsv1.WorkspaceManager, namespace, name string, created time.Time) networkingv1.Ingress {
	t.Helper()
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-" + name)}}
	ing, err := workspaces.BuildIngress(ws, m)
	if err != nil {
		t.Fatal(err)
	}
	ing.CreationTimestamp = metav1.NewTime(created)
	return *ing
}

// accessIngress is the access route Weir makes for m.
func accessIngress(t testing.TB, m *wsv1.WorkspaceManager, created time.Time) networkingv1.Ingress {
	t.Helper()
	ing, err := workspacemanagers.BuildAccessIngress(m)
	if err != nil {
		t.Fatal(err)
	}
	ing.CreationTimestamp = metav1.NewTime(created)
	return *ing
}

// plainIngress routes one path of host to service:port, without auth.
func plainIngress(namespace, name, host, path string, pt networkingv1.PathType, service string, port int32) networkingv1.Ingress {
	return networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To(caddyClass),
			Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
				HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path: path, PathType: ptr.To(pt),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: service, Port: networkingv1.ServiceBackendPort{Number: port},
					}},
				}}},
			}}},
		},
	}
}
