package access

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

const host = "ide.example.com"

func nbURI(ns, name string) string { return "/lab/workspaces/" + ns + "/" + name + "/tree?x=1" }

func TestForwardAuthDecisions(t *testing.T) {
	ts := newTestServer(t)
	ts.reader.putWorkspace(workspace("team", "private", "alice@example.com", wsv1.OwnershipOwnerOnly))
	ts.reader.putWorkspace(workspace("team", "open", "alice@example.com", wsv1.OwnershipPublic))
	alice := ts.sessionCookie(t, "alice@example.com", "ops", "data")
	bob := ts.sessionCookie(t, "bob@example.com")

	t.Run("owner", func(t *testing.T) {
		rec := ts.do(authRequest(host, nbURI("team", "private"), alice))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d, want 200; body:\n%s", rec.Code, rec.Body)
		}
		if got := rec.Header().Get(HeaderUser); got != "alice@example.com" {
			t.Errorf("%s = %q", HeaderUser, got)
		}
		if got := rec.Header().Get(HeaderGroups); got != "data,ops" {
			t.Errorf("%s = %q, want data,ops", HeaderGroups, got)
		}
	})
	t.Run("stranger gets the 403 page naming user, workspace and reason", func(t *testing.T) {
		rec := ts.do(authRequest(host, nbURI("team", "private"), bob))
		body := rec.Body.String()
		if rec.Code != http.StatusForbidden || !strings.Contains(body, "bob@example.com") ||
			!strings.Contains(body, "team/private") || !strings.Contains(body, "OwnerOnly") || !strings.Contains(body, "NotShared") {
			t.Fatalf("status %d, want 403 naming bob, team/private and the OwnerOnly reason; body:\n%s", rec.Code, body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q", ct)
		}
	})
	t.Run("public", func(t *testing.T) {
		if rec := ts.do(authRequest(host, nbURI("team", "open"), bob)); rec.Code != http.StatusOK {
			t.Fatalf("status %d, want 200; body:\n%s", rec.Code, rec.Body)
		}
	})
	t.Run("missing workspace", func(t *testing.T) {
		rec := ts.do(authRequest(host, nbURI("team", "gone"), bob))
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "no Workspace team/gone") {
			t.Fatalf("status %d, want 404 naming team/gone; body:\n%s", rec.Code, rec.Body)
		}
	})
	t.Run("share, then its deletion revokes on the next request", func(t *testing.T) {
		ts.reader.putShare(share("team", "with-bob", "private", user("bob@example.com")))
		if rec := ts.do(authRequest(host, nbURI("team", "private"), bob)); rec.Code != http.StatusOK {
			t.Fatalf("shared: status %d, want 200; body:\n%s", rec.Code, rec.Body)
		}
		ts.reader.deleteShares("team", "private")
		if rec := ts.do(authRequest(host, nbURI("team", "private"), bob)); rec.Code != http.StatusForbidden {
			t.Fatalf("after the share's deletion: status %d, want 403", rec.Code)
		}
	})
	t.Run("share by group", func(t *testing.T) {
		ts.reader.putShare(share("team", "with-ops", "private", rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "ops"}))
		carol := ts.sessionCookie(t, "carol@example.com", "ops")
		if rec := ts.do(authRequest(host, nbURI("team", "private"), carol)); rec.Code != http.StatusOK {
			t.Fatalf("status %d, want 200; body:\n%s", rec.Code, rec.Body)
		}
	})
}

func TestForwardAuthCaches(t *testing.T) {
	ts := newTestServer(t)
	ts.reader.putWorkspace(workspace("team", "private", "alice", wsv1.OwnershipOwnerOnly))
	alice := ts.sessionCookie(t, "alice")
	for range 5 {
		if rec := ts.do(authRequest(host, nbURI("team", "private"), alice)); rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if n := ts.policy.calls.Load(); n != 1 {
		t.Errorf("Rego evaluated %d times for 5 requests, want 1", n)
	}
	if n := ts.rbac.calls.Load(); n != 1 {
		t.Errorf("%d SubjectAccessReviews for 5 requests, want 1", n)
	}
	// A change of the Workspace (its revision) invalidates the decision.
	ts.reader.putWorkspace(workspace("team", "private", "bob", wsv1.OwnershipOwnerOnly))
	if rec := ts.do(authRequest(host, nbURI("team", "private"), alice)); rec.Code != http.StatusForbidden {
		t.Fatalf("after the owner changed: status %d, want 403", rec.Code)
	}
}

func TestForwardAuthRBACDenied(t *testing.T) {
	ts := newTestServer(t)
	ts.rbac.allowed = map[string]bool{"alice": true}
	ts.reader.putWorkspace(workspace("team", "open", "alice", wsv1.OwnershipPublic))
	rec := ts.do(authRequest(host, nbURI("team", "open"), ts.sessionCookie(t, "mallory")))
	body := rec.Body.String()
	if rec.Code != http.StatusForbidden || !strings.Contains(body, "RBAC") || !strings.Contains(body, "workspaces/connection") || !strings.Contains(body, "mallory") {
		t.Fatalf("status %d, want 403 naming RBAC and workspaces/connection; body:\n%s", rec.Code, body)
	}
	if n := ts.policy.calls.Load(); n != 0 {
		t.Errorf("the policy was asked %d times after RBAC said no", n)
	}
}

func TestForwardAuthWithoutSession(t *testing.T) {
	ts := newTestServer(t)
	ts.reader.putWorkspace(workspace("team", "open", "alice", wsv1.OwnershipPublic))

	rec := ts.do(authRequest(host, nbURI("team", "open"), nil))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusFound || err != nil {
		t.Fatalf("browser without a session: status %d, Location %q; want a 302 to login", rec.Code, rec.Header().Get("Location"))
	}
	if loc.Scheme+"://"+loc.Host+loc.Path != testBase+"/_weir/login" || loc.Query().Get("rd") != "https://"+host+nbURI("team", "open") {
		t.Fatalf("Location %s: want %s/_weir/login?rd=<the original URL>", loc, testBase)
	}

	xhr := authRequest(host, nbURI("team", "open"), nil)
	xhr.Header.Set("Accept", "application/json")
	if rec := ts.do(xhr); rec.Code != http.StatusUnauthorized {
		t.Fatalf("API call without a session: status %d, want 401", rec.Code)
	}
	post := authRequest(host, nbURI("team", "open"), nil)
	post.Header.Set("X-Forwarded-Method", http.MethodPost)
	if rec := ts.do(post); rec.Code != http.StatusUnauthorized {
		t.Fatalf("POST without a session: status %d, want 401", rec.Code)
	}
}

func TestTamperedCookieRefusedAndNotLogged(t *testing.T) {
	ts := newTestServer(t)
	ts.reader.putWorkspace(workspace("team", "open", "alice", wsv1.OwnershipPublic))
	c := ts.sessionCookie(t, "alice")
	v := []byte(c.Value)
	v[len(v)/2] ^= 1 // one bit: still base64, no longer the MAC's
	if v[len(v)/2] == '=' || v[len(v)/2] == '\x00' {
		v[len(v)/2] = 'A'
	}
	c.Value = string(v)
	rec := ts.do(authRequest(host, nbURI("team", "open"), c))
	if rec.Code != http.StatusFound {
		t.Fatalf("tampered cookie: status %d, want the 302 to login of a missing session", rec.Code)
	}
	log := ts.log.String()
	if !strings.Contains(log, "session cookie refused") {
		t.Fatalf("no log line about the refused cookie; log:\n%s", log)
	}
	if strings.Contains(log, c.Value) || strings.Contains(log, c.Value[:20]) {
		t.Fatalf("the log holds the cookie's value:\n%s", log)
	}
	// Another manager's session is no session here either.
	ts2 := newTestServer(t, testManager("other", testBase))
	ts2.codec = ts.codec // same keys, other manager
	ts2.reader.putWorkspace(workspace("team", "open", "alice", wsv1.OwnershipPublic))
	if rec := ts2.do(authRequest(host, nbURI("team", "open"), ts.sessionCookie(t, "alice"))); rec.Code != http.StatusFound {
		t.Fatalf("another manager's session: status %d, want 302", rec.Code)
	}
}

func TestForwardAuthBadRequests(t *testing.T) {
	ts := newTestServer(t)
	alice := ts.sessionCookie(t, "alice")
	for _, tc := range []struct {
		name, host, uri string
		want            int
	}{
		{"unknown host", "evil.example.com", nbURI("team", "nb"), http.StatusNotFound},
		{"not a workspace path", host, "/lab/other", http.StatusNotFound},
		{"dot segments", host, "/lab/workspaces/team/nb/../../other/nb/", http.StatusNotFound},
		{"not a request URI", host, "lab", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := ts.do(authRequest(tc.host, tc.uri, alice)); rec.Code != tc.want {
				t.Fatalf("status %d, want %d; body:\n%s", rec.Code, tc.want, rec.Body)
			}
		})
	}
	// /_weir/auth without X-Forwarded-Uri: a browser through the public route.
	r := authRequest(host, "", alice)
	r.Header.Del("X-Forwarded-Uri")
	r.Host = host
	if rec := ts.do(r); rec.Code != http.StatusBadRequest && rec.Code != http.StatusNotFound {
		t.Fatalf("auth without X-Forwarded-Uri: status %d, want 400 or 404", rec.Code)
	}
}

func TestParseWorkspacePath(t *testing.T) {
	path := testManager("p", "https://ide.example.com/lab/")
	sub := testManager("s", "https://ide.example.com")
	sub.Spec.URLScheme = wsv1.URLSchemeSubdomain
	for _, tc := range []struct {
		m          wsv1.WorkspaceManager
		host, path string
		ns, name   string
		ok         bool
	}{
		{path, "ide.example.com", "/lab/workspaces/team/nb/", "team", "nb", true},
		{path, "IDE.example.com:443", "/lab/workspaces/team/nb/api/kernels", "team", "nb", true},
		{path, "ide.example.com", "/lab/workspaces/team/nb", "team", "nb", true},
		{path, "ide.example.com", "/lab/workspaces/team/", "", "", false},
		{path, "ide.example.com", "/workspaces/team/nb/", "", "", false},
		{path, "other.example.com", "/lab/workspaces/team/nb/", "", "", false},
		{path, "ide.example.com", "/lab/workspaces/Team/nb/", "", "", false},
		{path, "ide.example.com", "/lab/workspaces/team/nb/../x/", "", "", false},
		{sub, "nb--team.ide.example.com", "/lab/tree", "team", "nb", true},
		{sub, "my-nb--team.ide.example.com", "/", "team", "my-nb", true},
		{sub, "ide.example.com", "/", "", "", false},
		{sub, "a.nb--team.ide.example.com", "/", "", "", false},
		{sub, "nbteam.ide.example.com", "/", "", "", false},
	} {
		ns, name, ok := ParseWorkspacePath(&tc.m, tc.host, tc.path)
		if ns != tc.ns || name != tc.name || ok != tc.ok {
			t.Errorf("%s %s%s = %q, %q, %v; want %q, %q, %v", tc.m.Name, tc.host, tc.path, ns, name, ok, tc.ns, tc.name, tc.ok)
		}
	}
}

// ingress-nginx's auth-url subrequest names the request with X-Original-URL
// and X-Original-Method, and turns a 302 into a 500: without a session it
// gets 401 (its auth-signin annotation sends browsers to the login).
func TestForwardAuthIngressNginx(t *testing.T) {
	ts := newTestServer(t)
	ts.reader.putWorkspace(workspace("team", "private", "alice@example.com", wsv1.OwnershipOwnerOnly))
	alice := ts.sessionCookie(t, "alice@example.com")
	bob := ts.sessionCookie(t, "bob@example.com")
	nginx := func(cookie *http.Cookie, original string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://weir-access:8090"+AuthPath, nil)
		r.Header.Set("X-Original-URL", original)
		r.Header.Set("X-Original-Method", http.MethodGet)
		r.Header.Set("Accept", "text/html")
		if cookie != nil {
			r.AddCookie(cookie)
		}
		return r
	}
	u := "https://" + host + nbURI("team", "private") + "?x=1"
	if rec := ts.do(nginx(alice, u)); rec.Code != http.StatusOK || rec.Header().Get(HeaderUser) != "alice@example.com" {
		t.Fatalf("owner: status %d, user %q; body:\n%s", rec.Code, rec.Header().Get(HeaderUser), rec.Body)
	}
	if rec := ts.do(nginx(bob, u)); rec.Code != http.StatusForbidden {
		t.Fatalf("stranger: status %d, want 403", rec.Code)
	}
	if rec := ts.do(nginx(nil, u)); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no session: status %d, want 401 (ingress-nginx makes a 302 a 500)", rec.Code)
	}
	if rec := ts.do(nginx(alice, "/not/absolute")); rec.Code != http.StatusBadRequest {
		t.Fatalf("relative X-Original-URL: status %d, want 400", rec.Code)
	}
}
