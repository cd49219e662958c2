package proxyconfig_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/weir-dev/weir/operator/proxyconfig"
	"github.com/weir-dev/weir/test/realparts"
)

// echo is an upstream that says who it is and what it got.
func echo(t *testing.T, name string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, forged := r.Header["X-Weir-Forged"]
		_ = json.NewEncoder(w).Encode(map[string]any{
			"upstream": name, "path": r.URL.Path, "host": r.Host,
			"user": r.Header.Values("X-Weir-User"), "groups": r.Header.Values("X-Weir-Groups"), "forged": forged,
		})
	}))
	t.Cleanup(s.Close)
	return s
}

// The file Weir renders from its own builders' Ingresses, loaded into a
// real Caddy: an allowed request reaches its Workspace with the identity
// the auth server answered (never the client's), a refused one gets the
// auth server's page and never reaches the Workspace, the login pages and
// a route without auth need no auth call, the longest prefix wins, and a
// host's site is matched by the Host header.
func TestRenderedCaddyfileInCaddy(t *testing.T) {
	var authCalls atomic.Int32
	var lastURI atomic.Value
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authCalls.Add(1)
		lastURI.Store(r.URL.Path + " " + r.Header.Get("X-Forwarded-Uri"))
		if c, err := r.Cookie("session"); err == nil && c.Value == "alice" {
			w.Header().Set("X-Weir-User", "alice@example.com")
			w.Header().Set("X-Weir-Groups", "team-a")
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<h1>Access denied by the test</h1>")
	}))
	t.Cleanup(auth.Close)
	upstreams := map[string]*httptest.Server{
		"ws-lab": echo(t, "lab"), "ws-lab-2": echo(t, "lab-2"), "ws-remote": echo(t, "remote"),
		"weir-access": echo(t, "access"), "dex": echo(t, "dex"), "portal": echo(t, "portal"),
	}
	hostport := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

	caddy := realparts.StartCaddy(t)
	// An IP base URL: Weir's routes have no host, so the catch-all site.
	local := testManager("local", fmt.Sprintf("http://127.0.0.1:%d", caddy.Port()))
	named := testManager("named", fmt.Sprintf("http://ide.test:%d/ide", caddy.Port()))
	ings := []networkingv1.Ingress{
		accessIngress(t, local, t0),
		workspaceIngress(t, local, "team", "lab", t0),
		workspaceIngress(t, local, "team", "lab-2", t0),
		plainIngress("weir-system", "dex", "", "/dex", networkingv1.PathTypePrefix, "dex", 5556),
		// A shorter prefix without auth over the Workspaces' paths.
		plainIngress("web", "portal", "", "/workspaces", networkingv1.PathTypePrefix, "portal", 80),
		accessIngress(t, named, t0),
		workspaceIngress(t, named, "team", "remote", t0),
	}
	text, problems := proxyconfig.Render(ings, proxyconfig.RenderOptions{
		Port: caddy.Port(), Admin: caddy.AdminAddr(), Bind: "127.0.0.1",
		Upstream: func(ns, svc string, port int32) string {
			s, ok := upstreams[svc]
			if !ok {
				t.Fatalf("no test upstream for Service %s/%s", ns, svc)
			}
			return hostport(s)
		},
		AuthUpstream: func(hp string) string {
			if hp != "weir-access.weir-system.svc:8090" {
				t.Errorf("auth upstream %q, want the access Service's", hp)
			}
			return hostport(auth)
		},
	})
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	caddy.LoadCaddyfile(t, text)

	type answer struct {
		status int
		body   string
		got    struct {
			Upstream, Path string
			User, Groups   []string
			Forged         bool
		}
	}
	do := func(host, path, cookie string) answer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, caddy.URL+path, nil)
		if host != "" {
			req.Host = host
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "session", Value: cookie})
		}
		// What a client must never get through.
		req.Header.Set("X-Weir-User", "mallory")
		req.Header.Set("X-Weir-Groups", "system:masters")
		req.Header.Set("X-Weir-Forged", "1")
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, body: string(b)}
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(b, &a.got); err != nil {
				t.Fatalf("GET %s: %v: %s", path, err, b)
			}
		}
		return a
	}

	// Allowed: the Workspace, with the auth server's identity only.
	a := do("", "/workspaces/team/lab/api/status", "alice")
	if a.status != 200 || a.got.Upstream != "lab" || a.got.Path != "/workspaces/team/lab/api/status" ||
		strings.Join(a.got.User, ",") != "alice@example.com" || strings.Join(a.got.Groups, ",") != "team-a" || !a.got.Forged {
		t.Errorf("allowed request: %+v", a)
	}
	if got := lastURI.Load(); got != "/_weir/auth /workspaces/team/lab/api/status" {
		t.Errorf("auth server asked %v, want /_weir/auth about the original URI", got)
	}
	// The longest prefix: lab-2 is not lab's.
	if a := do("", "/workspaces/team/lab-2/", "alice"); a.got.Upstream != "lab-2" {
		t.Errorf("/workspaces/team/lab-2/ reached %+v", a)
	}
	if a := do("", "/workspaces/team/lab", "alice"); a.got.Upstream != "lab" {
		t.Errorf("/workspaces/team/lab (no slash) reached %+v", a)
	}
	if a := do("", "/workspaces/", ""); a.got.Upstream != "portal" {
		t.Errorf("/workspaces/ reached %+v, want the portal", a)
	}
	// Refused: the auth server's page, and the Workspace never asked
	// (nor the shorter prefix without auth).
	if a := do("", "/workspaces/team/lab/", ""); a.status != 403 || !strings.Contains(a.body, "Access denied by the test") {
		t.Errorf("refused request: %d %q", a.status, a.body)
	}
	// The login pages and Dex: no auth call, and no identity headers.
	before := authCalls.Load()
	for path, want := range map[string]string{"/_weir/login": "access", "/_weir/callback": "access", "/dex/auth": "dex"} {
		a := do("", path, "")
		if a.status != 200 || a.got.Upstream != want || len(a.got.User) != 0 || len(a.got.Groups) != 0 {
			t.Errorf("GET %s: %+v, want %s without X-Weir-User/Groups", path, a, want)
		}
	}
	if n := authCalls.Load() - before; n != 0 {
		t.Errorf("routes without auth called the auth server %d times", n)
	}
	// Only the exact login paths are routed; the auth endpoint is not.
	for _, path := range []string{"/_weir/auth", "/_weir/login/x", "/elsewhere"} {
		if a := do("", path, "alice"); a.status != 404 {
			t.Errorf("GET %s: %d %+v, want 404", path, a.status, a.got)
		}
	}
	// A host's site: matched by Host, with its own base path.
	host := fmt.Sprintf("ide.test:%d", caddy.Port())
	if a := do(host, "/ide/workspaces/team/remote/lab", "alice"); a.got.Upstream != "remote" || strings.Join(a.got.User, ",") != "alice@example.com" {
		t.Errorf("named host's Workspace: %+v", a)
	}
	if a := do(host, "/ide/workspaces/team/remote/", ""); a.status != 403 {
		t.Errorf("named host's Workspace without a session: %d", a.status)
	}
	if a := do(host, "/ide/_weir/login", ""); a.got.Upstream != "access" {
		t.Errorf("named host's login page: %+v", a)
	}
	// Host-less routes apply to every host; ide.test's own are not elsewhere.
	if a := do(host, "/dex/x", ""); a.got.Upstream != "dex" {
		t.Errorf("Dex on the named host: %+v", a)
	}
	if a := do("", "/ide/workspaces/team/remote/", "alice"); a.status != 404 {
		t.Errorf("named host's Workspace on the IP: %d %+v, want 404", a.status, a.got)
	}
}
