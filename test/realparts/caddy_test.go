package realparts

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestCaddyForwardAuth checks the proxy behaviour Weir's access checks rely
// on: the auth server sees the original request in X-Forwarded-*; its 2xx
// lets the request through with the copied headers (a client's forged copy
// removed); its 302, 401 and 403 reach the client unchanged; the upstream
// gets the client's Host and path; an unprotected route needs no auth; and
// Load replaces the routes.
func TestCaddyForwardAuth(t *testing.T) {
	var mu sync.Mutex
	var authSaw []http.Header
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		h.Set(":method", r.Method)
		h.Set(":path", r.URL.RequestURI())
		authSaw = append(authSaw, h)
		mu.Unlock()
		switch r.Header.Get("X-Allow") {
		case "yes":
			w.Header().Set("X-Weir-User", "bob")
			w.WriteHeader(http.StatusOK)
		case "anonymous": // allowed, but no user header to copy
			w.WriteHeader(http.StatusOK)
		case "no":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "<h1>Not yours</h1>")
		case "who":
			w.Header().Set("WWW-Authenticate", `Bearer realm="weir"`)
			w.WriteHeader(http.StatusUnauthorized)
		default:
			http.Redirect(w, r, "/_weir/login?rd="+r.Header.Get("X-Forwarded-Uri"), http.StatusFound)
		}
	}))
	defer auth.Close()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{
			"host": r.Host, "uri": r.URL.RequestURI(), "user": r.Header.Get("X-Weir-User"),
		})
	}))
	defer upstream.Close()
	hostOf := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

	caddy := StartCaddy(t)
	caddy.Load(t, []Route{
		{PathPrefix: "/public/", Upstream: hostOf(upstream)},
		{PathPrefix: "/workspaces/ns/nb/", Upstream: hostOf(upstream),
			ForwardAuth: hostOf(auth), AuthURI: "/_weir/auth", CopyHeaders: []string{"X-Weir-User"}},
	})

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(t *testing.T, method, path string, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, caddy.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	upstreamSaw := func(t *testing.T, body string) map[string]string {
		t.Helper()
		var m map[string]string
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("not the upstream's answer: %q", body)
		}
		return m
	}
	lastAuth := func() http.Header {
		mu.Lock()
		defer mu.Unlock()
		if len(authSaw) == 0 {
			return nil
		}
		return authSaw[len(authSaw)-1]
	}

	t.Run("allowed: auth sees the original request, upstream gets the copied user", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, "/workspaces/ns/nb/api/x?y=1", map[string]string{
			"X-Allow": "yes", "X-Weir-User": "mallory", "Cookie": "weir_session=abc",
		})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		up := upstreamSaw(t, body)
		want := map[string]string{"host": caddy.Addr, "uri": "/workspaces/ns/nb/api/x?y=1", "user": "bob"}
		for k, v := range want {
			if up[k] != v {
				t.Errorf("upstream saw %s=%q, want %q", k, up[k], v)
			}
		}
		a := lastAuth()
		for k, v := range map[string]string{
			// Caddy keeps the request's query on the auth URI: the auth
			// server must read the request from X-Forwarded-Uri only.
			":method": "GET", ":path": "/_weir/auth?y=1", "Host": caddy.Addr,
			"X-Forwarded-Method": "POST", "X-Forwarded-Uri": "/workspaces/ns/nb/api/x?y=1",
			"X-Forwarded-Host": caddy.Addr, "X-Forwarded-Proto": "http", "X-Forwarded-For": "127.0.0.1",
			"Cookie": "weir_session=abc",
		} {
			if got := a.Get(k); got != v {
				t.Errorf("auth server saw %s=%q, want %q", k, got, v)
			}
		}
	})

	t.Run("a forged user header is dropped when auth copies none", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, "/workspaces/ns/nb/", map[string]string{"X-Allow": "anonymous", "X-Weir-User": "mallory"})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		if u := upstreamSaw(t, body)["user"]; u != "" {
			t.Fatalf("upstream saw X-Weir-User=%q from the client", u)
		}
	})

	t.Run("denials reach the client unchanged", func(t *testing.T) {
		resp, _ := do(t, http.MethodGet, "/workspaces/ns/nb/tree?a=b", nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/_weir/login?rd=/workspaces/ns/nb/tree?a=b" {
			t.Errorf("no X-Allow: status %d Location %q, want 302 to the login", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := do(t, http.MethodGet, "/workspaces/ns/nb/", map[string]string{"X-Allow": "no"})
		if resp.StatusCode != http.StatusForbidden || body != "<h1>Not yours</h1>" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("X-Allow: no: status %d, %q, body %q; want 403 with the auth server's HTML", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		resp, _ = do(t, http.MethodGet, "/workspaces/ns/nb/", map[string]string{"X-Allow": "who"})
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="weir"` {
			t.Errorf("X-Allow: who: status %d WWW-Authenticate %q, want 401 with the challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})

	t.Run("an unprotected route skips auth; other paths have no route", func(t *testing.T) {
		mu.Lock()
		n := len(authSaw)
		mu.Unlock()
		resp, body := do(t, http.MethodGet, "/public/x", nil)
		if resp.StatusCode != http.StatusOK || upstreamSaw(t, body)["uri"] != "/public/x" {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(authSaw) != n {
			t.Fatal("the auth server was asked about an unprotected route")
		}
		if resp, _ := do(t, http.MethodGet, "/workspaces/ns/other/", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unrouted path: status %d, want 404", resp.StatusCode)
		}
	})

	t.Run("Load replaces the routes", func(t *testing.T) {
		caddy.Load(t, []Route{{PathPrefix: "/workspaces/ns/other/", Upstream: hostOf(upstream)}})
		if resp, body := do(t, http.MethodGet, "/workspaces/ns/other/", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("new route: status %d: %s", resp.StatusCode, body)
		}
		if resp, _ := do(t, http.MethodGet, "/public/x", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("removed route: status %d, want 404", resp.StatusCode)
		}
	})
}
