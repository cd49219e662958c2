package workspacemanagers

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// discoveryServer serves an OpenID Connect discovery document naming
// issuer (its own URL when empty).
func discoveryServer(t *testing.T, issuer string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		iss := issuer
		if iss == "" {
			iss = srv.URL
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token",
			"jwks_uri": srv.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func idpReconciler(t *testing.T, objs ...runtime.Object) *Reconciler {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(s).WithRuntimeObjects(objs...).Build()
	return &Reconciler{Client: c, APIReader: c, Options: Options{SecretNamespace: "weir-system", IdPTimeout: 2 * time.Second}}
}

func managerWithIssuer(issuer string, ref *wsv1.SecretKeySelector) *wsv1.WorkspaceManager {
	return &wsv1.WorkspaceManager{Spec: wsv1.WorkspaceManagerSpec{Authentication: wsv1.WorkspaceAuthentication{
		OIDC: wsv1.OIDCAuthentication{IssuerURL: issuer, ClientID: "weir", ClientSecretRef: ref}}}}
}

func TestCheckIdP(t *testing.T) {
	good := discoveryServer(t, "")
	other := discoveryServer(t, "https://someone-else.example.com")
	closed := closedPortURL(t)
	ref := &wsv1.SecretKeySelector{Name: "oidc", Key: "client-secret"}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "weir-system", Name: "oidc"},
		Data: map[string][]byte{"client-secret": []byte("s3cret-value")}}
	for _, tc := range []struct {
		name   string
		issuer string
		ref    *wsv1.SecretKeySelector
		objs   []runtime.Object
		status metav1.ConditionStatus
		reason string
		says   string
	}{
		{"reachable, public client", good.URL, nil, nil, metav1.ConditionTrue, ReasonIdPReachable, good.URL},
		{"reachable, secret present", good.URL, ref, []runtime.Object{secret}, metav1.ConditionTrue, ReasonIdPReachable, good.URL},
		{"closed port", closed, nil, nil, metav1.ConditionFalse, ReasonIssuerUnreachable, closed},
		{"no discovery document", good.URL + "/nothing", nil, nil, metav1.ConditionFalse, ReasonDiscoveryFailed, "404"},
		{"another issuer", other.URL, nil, nil, metav1.ConditionFalse, ReasonDiscoveryFailed, "did not match"},
		{"secret missing", good.URL, ref, nil, metav1.ConditionFalse, ReasonClientSecretNotFound, "weir-system/oidc not found"},
		{"key missing", good.URL, &wsv1.SecretKeySelector{Name: "oidc", Key: "other"}, []runtime.Object{secret}, metav1.ConditionFalse, ReasonClientSecretNotFound, `no key "other"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := idpReconciler(t, tc.objs...).checkIdP(context.Background(), managerWithIssuer(tc.issuer, tc.ref))
			if c.Type != wsv1.ConditionIdPReachable || c.Status != tc.status || c.Reason != tc.reason || !strings.Contains(c.Message, tc.says) {
				t.Errorf("got %s=%s %s %q; want %s %s containing %q", c.Type, c.Status, c.Reason, c.Message, tc.status, tc.reason, tc.says)
			}
			if strings.Contains(c.Message, "s3cret-value") {
				t.Errorf("message shows the client secret: %s", c.Message)
			}
		})
	}
}

// An issuer that never answers costs the timeout, not a stuck worker.
func TestCheckIdPTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close() // accepts into the backlog, never answers
	r := idpReconciler(t)
	r.Options.IdPTimeout = 300 * time.Millisecond
	start := time.Now()
	c := r.checkIdP(context.Background(), managerWithIssuer("http://"+l.Addr().String(), nil))
	if c.Reason != ReasonIssuerUnreachable || time.Since(start) > 3*time.Second {
		t.Errorf("got %s %q after %s; want IssuerUnreachable within the timeout", c.Reason, c.Message, time.Since(start))
	}
}

// A reachable issuer is read again after RecheckReachable, an unreachable
// one after RecheckFailing, and a change of issuer at once.
func TestIdPRecheck(t *testing.T) {
	hits := 0
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": srv.URL, "authorization_endpoint": srv.URL + "/a",
			"token_endpoint": srv.URL + "/t", "jwks_uri": srv.URL + "/k"})
	}))
	defer srv.Close()
	r := idpReconciler(t)
	r.Options.RecheckReachable = time.Hour
	m := managerWithIssuer(srv.URL, nil)
	m.UID = "u"
	c, next := r.idpCondition(context.Background(), m)
	if c.Status != metav1.ConditionTrue || next != time.Hour || hits != 1 {
		t.Fatalf("first: %s next %s hits %d", c.Status, next, hits)
	}
	if _, next = r.idpCondition(context.Background(), m); hits != 1 || next > time.Hour || next < 59*time.Minute {
		t.Errorf("second: hits %d next %s; want the remembered result", hits, next)
	}
	m.Spec.Authentication.OIDC.IssuerURL = closedPortURL(t)
	if c, next = r.idpCondition(context.Background(), m); c.Status != metav1.ConditionFalse || next != DefaultRecheckFailing {
		t.Errorf("changed issuer: %s next %s; want False, read again in %s", c.Status, next, DefaultRecheckFailing)
	}
}
