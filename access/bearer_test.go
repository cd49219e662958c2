package access

import (
	"net/http"
	"strings"
	"testing"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/realparts"
)

// TestBearerIDToken: forward-auth takes a real provider's ID token as
// Authorization: Bearer, names its user and groups as the login does, and
// applies the same RBAC fence and policy; a bad, foreign or missing token
// gets 401 (never a login redirect), and a session cookie wins over it.
func TestBearerIDToken(t *testing.T) {
	const base = "http://ide.test:8080"
	weir := realparts.IdPClient{ID: "weir", Secret: "s3cret", RedirectURIs: []string{"http://127.0.0.1:1/callback"}}
	other := realparts.IdPClient{ID: "other", Secret: "x", RedirectURIs: []string{"http://127.0.0.1:1/callback"}}
	idp := realparts.StartIdP(t, realparts.IdPConfig{
		Users: []realparts.IdPUser{
			{ID: "u-alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", Groups: []string{"data-science"}},
			{ID: "u-bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com"},
		},
		Clients: []realparts.IdPClient{weir, other},
	})
	m := testManager("default", base)
	m.Spec.Authentication.OIDC = wsv1.OIDCAuthentication{IssuerURL: idp.Issuer, ClientID: "weir", UsernamePrefix: "oidc:", GroupsPrefix: "oidc:"}
	ts := newTestServer(t, m)
	ts.reader.putWorkspace(workspace("team", "nb", "oidc:alice@example.com", wsv1.OwnershipOwnerOnly))
	alice := idp.IDToken(t, weir, "http://127.0.0.1:1/callback", "alice", "alice-pw")
	bob := idp.IDToken(t, weir, "http://127.0.0.1:1/callback", "bob", "bob-pw")
	foreign := idp.IDToken(t, other, "http://127.0.0.1:1/callback", "alice", "alice-pw")

	req := func(token string, ws ...string) *http.Request {
		r := authRequest("ide.test:8080", "/workspaces/team/"+append(ws, "nb")[0]+"/_weir/tunnel", nil)
		r.Header.Del("Accept") // a program, not a browser
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r
	}
	rec := ts.do(req(alice))
	if rec.Code != http.StatusOK || rec.Header().Get(HeaderUser) != "oidc:alice@example.com" || rec.Header().Get(HeaderGroups) != "oidc:data-science" {
		t.Fatalf("alice's token: status %d, user %q, groups %q; body:\n%s", rec.Code, rec.Header().Get(HeaderUser), rec.Header().Get(HeaderGroups), rec.Body)
	}
	calls := ts.policy.calls.Load()
	if rec := ts.do(req(alice)); rec.Code != http.StatusOK || ts.policy.calls.Load() != calls {
		t.Errorf("alice's token again: status %d, policy evaluated %d more times; want 200 from the decision cache", rec.Code, ts.policy.calls.Load()-calls)
	}
	if rec := ts.do(req(bob)); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "oidc:bob@example.com") {
		t.Errorf("bob's token: status %d, want the 403 page naming him; body:\n%s", rec.Code, rec.Body)
	}
	ts.reader.putWorkspace(workspace("team", "nb2", "oidc:alice@example.com", wsv1.OwnershipOwnerOnly))
	ts.rbac.allowed = map[string]bool{"oidc:bob@example.com": true}
	if rec := ts.do(req(alice, "nb2")); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "RBACDenied") {
		t.Errorf("alice's token without RBAC: status %d, want 403 RBACDenied; body:\n%s", rec.Code, rec.Body)
	}
	ts.rbac.allowed = nil
	for name, tok := range map[string]string{"another client's token": foreign, "garbage": "not.a.token", "a tampered token": alice[:len(alice)-4] + "AAAA"} {
		rec := ts.do(req(tok))
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "ID token refused") || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: status %d, want 401 ID token refused with WWW-Authenticate; body:\n%s", name, rec.Code, rec.Body)
		}
	}
	if rec := ts.do(req("")); rec.Code != http.StatusUnauthorized {
		t.Errorf("no token: status %d, want 401", rec.Code)
	}
	// A browser's session decides when there is one.
	r := req("not.a.token")
	r.AddCookie(ts.sessionCookie(t, "oidc:alice@example.com"))
	if rec := ts.do(r); rec.Code != http.StatusOK {
		t.Errorf("session cookie and a bad token: status %d, want 200 from the session", rec.Code)
	}
}

func TestBearerTokenHeader(t *testing.T) {
	for h, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "": "", "Bearer": ""} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", h)
		if got := bearerToken(r); got != want {
			t.Errorf("bearerToken(%q) = %q, want %q", h, got, want)
		}
	}
}
