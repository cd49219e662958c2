package access

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// TestAgainstAPIServer runs the access server on its Kubernetes parts, a
// real API server (envtest, which authorizes with RBAC): the informer
// reader, SubjectAccessReviews against real Roles, and the keys Secret.
func TestAgainstAPIServer(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./access/")
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(wsv1.AddToScheme(scheme))
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := cache.New(cfg, cache.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	reader, err := NewKubeReader(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = cc.Start(ctx) }()
	if !cc.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []string{"team", "weir-system"} {
		must(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	// RBAC: alice and the group oidc:ops may connect in team; mallory may not.
	must(c.Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "connect"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"workspace.jupyter.org"}, Resources: []string{"workspaces/connection"}, Verbs: []string{"create"}}},
	}))
	must(c.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "connect"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "connect"},
		Subjects: []rbacv1.Subject{
			{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"},
			{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "bob"},
			{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "oidc:ops"},
		},
	}))

	t.Run("SubjectAccessReview", func(t *testing.T) {
		a := KubeAuthorizer{Client: c}
		for _, tc := range []struct {
			user   string
			groups []string
			ns     string
			want   bool
		}{
			{"alice", nil, "team", true},
			{"carol", []string{"oidc:ops"}, "team", true},
			{"mallory", []string{"oidc:dev"}, "team", false},
			{"alice", nil, "weir-system", false},
		} {
			// The API server's RBAC authorizer learns of the new
			// RoleBinding from its own informer: wait for it, briefly.
			var got bool
			var err error
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				got, err = a.MayConnect(ctx, tc.user, tc.groups, tc.ns, "nb")
				if (err == nil && got == tc.want) || time.Now().After(deadline) {
					break
				}
			}
			if err != nil || got != tc.want {
				t.Errorf("MayConnect(%s %v in %s) = %v, %v; want %v", tc.user, tc.groups, tc.ns, got, err, tc.want)
			}
		}
	})

	t.Run("keys Secret", func(t *testing.T) {
		ref := types.NamespacedName{Namespace: "weir-system", Name: "weir-access"}
		k1, err := LoadKeys(ctx, c, c, ref)
		must(err)
		k2, err := LoadKeys(ctx, c, c, ref)
		must(err)
		if !bytes.Equal(k1.SessionHash, k2.SessionHash) || !bytes.Equal(k1.Probe, k2.Probe) || len(k1.SessionBlock) != 32 {
			t.Fatal("a second load made other keys than the Secret's")
		}
		bad := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "weir-system", Name: "short"}, Data: map[string][]byte{keyProbe: []byte("x")}}
		must(c.Create(ctx, bad))
		if _, err := LoadKeys(ctx, c, c, types.NamespacedName{Namespace: "weir-system", Name: "short"}); err == nil || !strings.Contains(err.Error(), "delete the Secret") {
			t.Fatalf("short keys: err = %v", err)
		}
	})

	t.Run("forward-auth from the informers", func(t *testing.T) {
		m := testManager("default", testBase)
		m.Spec.Routing = wsv1.WorkspaceRouting{Ingress: &wsv1.IngressRouting{ClassName: "nginx"},
			AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir-system", Port: 8090}}
		must(c.Create(ctx, &m))
		ws := workspace("team", "nb", "alice", wsv1.OwnershipOwnerOnly)
		ws.UID = ""
		must(c.Create(ctx, ws))
		keys, err := NewKeys()
		must(err)
		srv, err := New(Options{Reader: reader, Authorizer: KubeAuthorizer{Client: c}, Policy: defaultPolicy(t), Keys: keys, Log: (&logBuffer{}).logger()})
		must(err)
		ts := &testServer{Server: srv}
		eventually(t, "the manager and Workspace in the cache", func() bool {
			return ts.do(authRequest(host, nbURI("team", "nb"), ts.sessionCookie(t, "alice"))).Code == http.StatusOK
		})
		bob := ts.sessionCookie(t, "bob")
		if rec := ts.do(authRequest(host, nbURI("team", "nb"), bob)); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "NotShared") {
			t.Fatalf("bob before a share: status %d; body:\n%s", rec.Code, rec.Body)
		}
		mallory := ts.sessionCookie(t, "mallory")
		if rec := ts.do(authRequest(host, nbURI("team", "nb"), mallory)); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "RBACDenied") {
			t.Fatalf("mallory without RBAC: status %d, want the RBAC 403; body:\n%s", rec.Code, rec.Body)
		}

		sh := share("team", "with-bob", "nb", rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "bob"})
		must(c.Create(ctx, &sh))
		eventually(t, "bob let in by the share", func() bool {
			return ts.do(authRequest(host, nbURI("team", "nb"), bob)).Code == http.StatusOK
		})
		before := reader.Revision("team", "nb")
		must(c.Delete(ctx, &sh))
		eventually(t, "the informer to see the share's deletion", func() bool { return reader.Revision("team", "nb") != before })
		if rec := ts.do(authRequest(host, nbURI("team", "nb"), bob)); rec.Code != http.StatusForbidden {
			t.Fatalf("the first request after the share's deletion: status %d, want 403 (no cached allow outlives the share)", rec.Code)
		}
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
