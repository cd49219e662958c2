package access

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

func loginRequest(rd string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://ide.example.com/lab/_weir/login?rd="+url.QueryEscape(rd), nil)
	return r
}

func TestLoginRefusesOpenRedirects(t *testing.T) {
	ts := newTestServer(t)
	for _, rd := range []string{
		"https://evil.example.com/lab/workspaces/team/nb/",
		"http://ide.example.com/lab/workspaces/team/nb/", // another scheme
		"https://ide.example.com/other/",                 // outside the base path
		"https://ide.example.com.evil.com/lab/",
		"https://user@ide.example.com/lab/",
		"//evil.example.com/lab/",
		"/lab/workspaces/team/nb/",
		"javascript:alert(1)",
		"https://ide.example.com/lab\\@evil.com/",
	} {
		rec := ts.do(loginRequest(rd))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "not under this manager") {
			t.Errorf("rd=%s: status %d, want 400 refusing it; Location %q", rd, rec.Code, rec.Header().Get("Location"))
		}
	}
}

func TestReturnURL(t *testing.T) {
	m := testManager("s", "https://ide.example.com")
	m.Spec.URLScheme = wsv1.URLSchemeSubdomain
	st, err := newSite(&m)
	if err != nil {
		t.Fatal(err)
	}
	for rd, ok := range map[string]bool{
		"":                                       true,
		"https://ide.example.com/":               true,
		"https://nb--team.ide.example.com/lab":   true,
		"https://evil.com.ide.example.com/":      false,
		"https://nb--team.ide.example.com.evil/": false,
	} {
		if _, err := st.returnURL(rd); (err == nil) != ok {
			t.Errorf("returnURL(%q) err = %v, want ok=%v", rd, err, ok)
		}
	}
}

func TestLoginWithUnreachableIssuer(t *testing.T) {
	var hits atomic.Int64
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer idp.Close()
	m := testManager("default", testBase)
	m.Spec.Authentication.OIDC.IssuerURL = idp.URL
	ts := newTestServer(t, m)
	for i := range 3 {
		rec := ts.do(loginRequest(testBase + "/workspaces/team/nb/"))
		body := rec.Body.String()
		if rec.Code != http.StatusBadGateway || !strings.Contains(body, "cannot be reached") || !strings.Contains(body, idp.URL) {
			t.Fatalf("attempt %d: status %d, want 502 naming the issuer; body:\n%s", i, rec.Code, body)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("discovery was tried %d times in a row, want 1 (backoff)", n)
	}
	// A closed port too: an error page, not a crash.
	m.Spec.Authentication.OIDC.IssuerURL = "http://127.0.0.1:1"
	ts = newTestServer(t, m)
	if rec := ts.do(loginRequest("")); rec.Code != http.StatusBadGateway {
		t.Fatalf("closed port: status %d, want 502", rec.Code)
	}
}

func TestCallbackWithoutLoginCookie(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(httptest.NewRequest(http.MethodGet, "https://ide.example.com/lab/_weir/callback?code=x&state=y", nil))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "not started here") {
		t.Fatalf("status %d, want 400; body:\n%s", rec.Code, rec.Body)
	}
}

func TestIdentityClaims(t *testing.T) {
	oc := wsv1.OIDCAuthentication{UsernamePrefix: "oidc:", GroupsPrefix: "oidc:"}
	u, g, err := identity(oc, map[string]any{"email": "a@x", "email_verified": true, "groups": []any{"b", "a", "a"}})
	if err != nil || u != "oidc:a@x" || strings.Join(g, ",") != "oidc:a,oidc:b" {
		t.Fatalf("identity = %q, %v, %v", u, g, err)
	}
	if _, _, err := identity(wsv1.OIDCAuthentication{}, map[string]any{"email": "a@x", "email_verified": false}); err == nil {
		t.Fatal("an unverified email was accepted as the username")
	}
	if _, _, err := identity(wsv1.OIDCAuthentication{UsernameClaim: "sub"}, map[string]any{"email": "a@x"}); err == nil || !strings.Contains(err.Error(), `"sub"`) {
		t.Fatalf("missing claim: err = %v", err)
	}
}
