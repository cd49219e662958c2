package manager

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/go-logr/logr"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// fakeTokens authenticates the token "good" as user prom; "broken" fails.
type fakeTokens struct{ calls int }

func (f *fakeTokens) Create(_ context.Context, r *authnv1.TokenReview, _ metav1.CreateOptions) (*authnv1.TokenReview, error) {
	f.calls++
	switch r.Spec.Token {
	case "good":
		r.Status = authnv1.TokenReviewStatus{Authenticated: true, User: authnv1.UserInfo{Username: "prom", Groups: []string{"g"}}}
	case "broken":
		return nil, errors.New("API server unavailable")
	}
	return r, nil
}

// fakeAccess allows prom to get /metrics, and nothing else.
type fakeAccess struct{ calls int }

func (f *fakeAccess) Create(_ context.Context, r *authzv1.SubjectAccessReview, _ metav1.CreateOptions) (*authzv1.SubjectAccessReview, error) {
	f.calls++
	na := r.Spec.NonResourceAttributes
	r.Status.Allowed = r.Spec.User == "prom" && na != nil && na.Verb == "get" && na.Path == "/metrics" && len(r.Spec.Groups) == 1
	return r, nil
}

// The metrics filter answers as controller-runtime's: 401 without a valid
// bearer token, 403 when the user may not get the path, 500 when the API
// server cannot say; it asks the API server once per token and request
// while its caches hold the answer.
func TestMetricsAuth(t *testing.T) {
	tokens, access := &fakeTokens{}, &fakeAccess{}
	a := &reviewer{tokens: tokens, access: access,
		users: ttlCache[authnv1.UserInfo]{ttl: 1 << 62}, allow: ttlCache[bool]{ttl: 1 << 62}, deny: ttlCache[bool]{ttl: 1 << 62}}
	served := 0
	h, err := a.filter(logr.Discard(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served++ }))
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, auth string) int {
		req := httptest.NewRequest(method, path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for _, c := range []struct {
		method, path, auth string
		want               int
	}{
		{"GET", "/metrics", "", http.StatusUnauthorized},
		{"GET", "/metrics", "Basic Zm9vOmJhcg==", http.StatusUnauthorized},
		{"GET", "/metrics", "Bearer ", http.StatusUnauthorized},
		{"GET", "/metrics", "Bearer bad", http.StatusUnauthorized},
		{"GET", "/metrics", "Bearer broken", http.StatusInternalServerError},
		{"GET", "/other", "Bearer good", http.StatusForbidden},
		{"POST", "/metrics", "Bearer good", http.StatusForbidden},
		{"GET", "/metrics", "Bearer good", http.StatusOK},
		{"GET", "/metrics", "bearer good", http.StatusOK},
	} {
		if got := do(c.method, c.path, c.auth); got != c.want {
			t.Errorf("%s %s %q: %d, want %d", c.method, c.path, c.auth, got, c.want)
		}
	}
	if served != 2 {
		t.Errorf("the handler served %d requests, want the 2 allowed", served)
	}
	tc, ac := tokens.calls, access.calls
	do("GET", "/metrics", "Bearer good")
	do("GET", "/other", "Bearer good")
	do("GET", "/metrics", "Bearer bad")
	if tokens.calls != tc+1 || access.calls != ac {
		t.Errorf("cached answers asked again: TokenReviews %d → %d (want one more, for the unauthenticated token), SubjectAccessReviews %d → %d",
			tc, tokens.calls, ac, access.calls)
	}
}

// An expired entry is asked for again; a full cache starts over.
func TestTTLCache(t *testing.T) {
	c := ttlCache[int]{ttl: -1}
	c.put("a", 1)
	if _, ok := c.get("a"); ok {
		t.Error("an expired entry was returned")
	}
	c = ttlCache[int]{ttl: 1 << 62}
	for i := range maxCached + 1 {
		c.put(string(rune('a'+i)), i)
	}
	if len(c.m) != 1 {
		t.Errorf("%d entries after maxCached+1 puts, want 1 (emptied when full)", len(c.m))
	}
}

// Against a real API server: a service account's token allowed to get
// /metrics by RBAC is served, one without that rule is forbidden, and a
// made-up token is unauthorized.
func TestMetricsAuthAgainstAPIServer(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/manager/")
	}
	env := &envtest.Environment{}
	restCfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	token := func(name string) string {
		t.Helper()
		if _, err := cs.CoreV1().ServiceAccounts("default").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		tr, err := cs.CoreV1().ServiceAccounts("default").CreateToken(ctx, name, &authnv1.TokenRequest{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return tr.Status.Token
	}
	scraper, other := token("scraper"), token("other")
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "metrics-reader"},
		Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "metrics-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "metrics-reader"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "default", Name: "scraper"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	httpClient, err := rest.HTTPClientFor(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := metricsAuth(restCfg, httpClient)
	if err != nil {
		t.Fatal(err)
	}
	h, err := f(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, token string
		want        int
	}{{"allowed", scraper, http.StatusOK}, {"not allowed", other, http.StatusForbidden}, {"made up", "not-a-token", http.StatusUnauthorized}} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.want)
		}
	}
}
