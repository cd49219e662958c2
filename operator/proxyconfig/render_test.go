package proxyconfig_test

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/proxyconfig"
)

// handleView is one handle block of a rendered site, in order.
type handleView struct {
	paths    []string // nil: the catch-all
	auth     string   // forward_auth's upstream; "" without
	authURI  string
	copies   string // copy_headers' arguments
	upstream string
	respond  string
}

type siteView struct {
	addr     string
	stripped []string // headers removed before any handle
	handles  []handleView
}

// parseSites reads back what caddyfile writes (not Caddyfiles in general):
// enough to check each site's handles, their order and what they do.
func parseSites(t *testing.T, text string) map[string]siteView {
	t.Helper()
	sites := map[string]siteView{}
	var cur *siteView
	matchers := map[string][]string{}
	var h *handleView
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case strings.HasPrefix(line, "http://") && f[len(f)-1] == "{":
			cur = &siteView{addr: f[0]}
			matchers = map[string][]string{}
		case cur == nil:
		case line == "}":
			sites[cur.addr] = *cur
			cur = nil
		case strings.HasPrefix(f[0], "@") && len(f) > 2 && f[1] == "path":
			matchers[f[0]] = f[2:]
		case f[0] == "request_header" && h == nil:
			cur.stripped = append(cur.stripped, strings.TrimPrefix(f[1], "-"))
		case f[0] == "handle":
			h = &handleView{}
			if len(f) == 3 {
				p, ok := matchers[f[1]]
				if !ok {
					t.Fatalf("handle names matcher %s, not defined in site %s:\n%s", f[1], cur.addr, text)
				}
				h.paths = p
			}
		case h == nil:
		case f[0] == "forward_auth":
			h.auth = f[1]
		case f[0] == "uri":
			h.authURI = f[1]
		case f[0] == "copy_headers":
			h.copies = strings.Join(f[1:], " ")
		case f[0] == "reverse_proxy":
			h.upstream = f[1]
		case f[0] == "respond":
			h.respond = strings.Join(f[1:], " ")
		case line == "\t\t}":
			cur.handles = append(cur.handles, *h)
			h = nil
		}
	}
	if cur != nil || h != nil {
		t.Fatalf("unterminated block in:\n%s", text)
	}
	return sites
}

func render(t *testing.T, ings []networkingv1.Ingress, o proxyconfig.RenderOptions) (string, map[string]siteView, []proxyconfig.Problem) {
	t.Helper()
	text, problems := proxyconfig.Render(ings, o)
	return text, parseSites(t, text), problems
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Weir's own routes: Workspaces behind forward-auth to the annotation's
// endpoint, the access pages without, longest path first, client copies
// of the identity headers removed, and a 404 for the rest.
func TestRenderWeirRoutes(t *testing.T) {
	m := testManager("main", "https://ide.example.com/ide")
	ings := []networkingv1.Ingress{
		accessIngress(t, m, t0),
		workspaceIngress(t, m, "team", "lab", t0),
		workspaceIngress(t, m, "team", "lab-2", t0.Add(time.Second)),
		// Not Weir's: a shorter prefix on the same host, without auth.
		plainIngress("weir-system", "dex", "ide.example.com", "/ide/dex", networkingv1.PathTypePrefix, "dex", 5556),
		plainIngress("web", "site", "ide.example.com", "/", networkingv1.PathTypePrefix, "www", 80),
	}
	text, sites, problems := render(t, ings, proxyconfig.RenderOptions{})
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	if !strings.Contains(text, "\tadmin localhost:2019\n") || !strings.Contains(text, "\tauto_https off\n") {
		t.Errorf("global options: want admin on localhost and auto_https off:\n%s", text)
	}
	site, ok := sites["http://ide.example.com:8080"]
	if !ok {
		t.Fatalf("no site for ide.example.com:8080 in:\n%s", text)
	}
	if !reflect.DeepEqual(site.stripped, []string{"X-Weir-User", "X-Weir-Groups"}) {
		t.Errorf("headers stripped before the handles: %v, want X-Weir-User and X-Weir-Groups", site.stripped)
	}
	ws := func(name string) handleView {
		p := "/ide/workspaces/team/" + name
		return handleView{paths: []string{p, p + "/*"}, auth: "weir-access.weir-system.svc:8090", authURI: "/_weir/auth",
			copies: "X-Weir-User X-Weir-Groups", upstream: "ws-" + name + ".team.svc.cluster.local:8888"}
	}
	page := func(name string) handleView {
		return handleView{paths: []string{"/ide/_weir/" + name}, upstream: "weir-access.weir-system.svc.cluster.local:8090"}
	}
	want := []handleView{
		ws("lab-2"), ws("lab"),
		page("callback"), page("logout"), page("login"),
		{paths: []string{"/ide/dex", "/ide/dex/*"}, upstream: "dex.weir-system.svc.cluster.local:5556"},
		{upstream: "www.web.svc.cluster.local:80"},
	}
	if !reflect.DeepEqual(site.handles, want) {
		t.Errorf("handles of ide.example.com:\n got %+v\nwant %+v\n%s", site.handles, want, text)
	}
	// Every host-less request still has a site: a 404.
	all := sites["http://:8080"]
	if len(all.handles) != 1 || all.handles[0].respond != `"no route" 404` {
		t.Errorf("catch-all site: %+v, want only the 404", all)
	}
}

// Same input in any order, same file: an unchanged cluster means no write.
func TestRenderIsStable(t *testing.T) {
	m := testManager("main", "http://ide.example.com")
	var ings []networkingv1.Ingress
	for i := 0; i < 20; i++ {
		ings = append(ings, workspaceIngress(t, m, fmt.Sprintf("team-%d", i%3), fmt.Sprintf("lab-%d", i), t0))
	}
	ings = append(ings, accessIngress(t, m, t0))
	first, _ := proxyconfig.Render(ings, proxyconfig.RenderOptions{})
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 10; i++ {
		r.Shuffle(len(ings), func(a, b int) { ings[a], ings[b] = ings[b], ings[a] })
		if again, _ := proxyconfig.Render(ings, proxyconfig.RenderOptions{}); again != first {
			t.Fatalf("render changed with the order of its input:\n%s\n---\n%s", first, again)
		}
	}
}

// A rule without a host applies to every host: each host's site has the
// host-less paths it does not route itself, and its own win.
func TestRenderHostlessPathsOnEveryHost(t *testing.T) {
	ings := []networkingv1.Ingress{
		plainIngress("a", "any", "", "/shared", networkingv1.PathTypePrefix, "shared", 80),
		plainIngress("a", "same", "", "/mine", networkingv1.PathTypePrefix, "generic", 80),
		plainIngress("b", "mine", "b.example.com", "/mine/", networkingv1.PathTypePrefix, "specific", 80),
	}
	text, sites, problems := render(t, ings, proxyconfig.RenderOptions{Port: 9000})
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	b := sites["http://b.example.com:9000"]
	var ups []string
	for _, h := range b.handles {
		ups = append(ups, h.upstream)
	}
	if want := []string{"shared.a.svc.cluster.local:80", "specific.b.svc.cluster.local:80", ""}; !reflect.DeepEqual(ups, want) {
		t.Errorf("b.example.com's upstreams %v, want %v:\n%s", ups, want, text)
	}
	if got := len(sites["http://:9000"].handles); got != 3 {
		t.Errorf("catch-all site has %d handles, want /shared, /mine and the 404:\n%s", got, text)
	}
}

// What cannot be routed is left out and said; a Workspace is never routed
// without its forward-auth.
func TestRenderProblems(t *testing.T) {
	m := testManager("main", "http://ide.example.com")
	older := workspaceIngress(t, m, "team", "lab", t0)
	newer := plainIngress("other", "steal", "ide.example.com", "/workspaces/team/lab", networkingv1.PathTypePrefix, "evil", 80)
	newer.CreationTimestamp.Time = t0.Add(time.Minute)
	badAuth := workspaceIngress(t, m, "team", "broken", t0)
	badAuth.Annotations[wsv1.AnnotationAuthURL] = "weir-access:8090/_weir/auth"
	named := plainIngress("team", "named", "", "/named", networkingv1.PathTypePrefix, "svc", 0)
	named.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = networkingv1.ServiceBackendPort{Name: "http"}
	missing := plainIngress("team", "missing", "", "/missing", networkingv1.PathTypePrefix, "gone", 0)
	missing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = networkingv1.ServiceBackendPort{Name: "http"}
	odd := plainIngress("team", "odd", "", "/a{b}", networkingv1.PathTypeImplementationSpecific, "svc", 80)

	o := proxyconfig.RenderOptions{NamedPort: func(ns, svc, name string) (int32, error) {
		if svc == "svc" && name == "http" {
			return 8000, nil
		}
		return 0, errors.New("not found")
	}}
	text, sites, problems := render(t, []networkingv1.Ingress{newer, badAuth, named, missing, odd, older}, o)
	byName := map[string]proxyconfig.Problem{}
	for _, p := range problems {
		byName[p.Name] = p
	}
	for name, want := range map[string]string{
		"steal":     "already routed by the older Ingress team/ws-lab",
		"ws-broken": "annotation " + wsv1.AnnotationAuthURL,
		"missing":   `Service gone port "http"`,
		"odd":       `path "/a{b}"`,
	} {
		if p, ok := byName[name]; !ok || !strings.Contains(p.Message, want) {
			t.Errorf("problem of %s: %+v, want one saying %q", name, p, want)
		}
	}
	if !byName["missing"].Retry || byName["steal"].Retry {
		t.Errorf("only a Service not there yet is retried: %+v", problems)
	}
	if _, ok := byName["named"]; ok {
		t.Errorf("a named port that resolves is no problem: %+v", byName["named"])
	}
	if strings.Contains(text, "broken") || strings.Contains(text, "evil") || strings.Contains(text, "{b}") {
		t.Errorf("left-out routes are in the file:\n%s", text)
	}
	if !strings.Contains(text, "svc.team.svc.cluster.local:8000") {
		t.Errorf("the named port's number is not used:\n%s", text)
	}
	h := sites["http://ide.example.com:8080"].handles[0]
	if h.auth == "" || h.upstream != "ws-lab.team.svc.cluster.local:8888" {
		t.Errorf("the older Workspace route lost: %+v\n%s", h, text)
	}
}

// Tests point upstreams and the auth endpoint at their own servers, and
// bind to loopback; an https auth URL is called over TLS.
func TestRenderOptions(t *testing.T) {
	m := testManager("main", "http://10.0.0.1:8080")
	ing := workspaceIngress(t, m, "team", "lab", t0)
	secure := workspaceIngress(t, m, "team", "tls", t0)
	secure.Annotations[wsv1.AnnotationAuthURL] = "https://weir-access.weir-system.svc:8443/_weir/auth"
	text, sites, _ := render(t, []networkingv1.Ingress{ing, secure}, proxyconfig.RenderOptions{
		Port: 1234, Admin: "127.0.0.1:5555", Bind: "127.0.0.1",
		Upstream:     func(ns, svc string, port int32) string { return fmt.Sprintf("127.0.0.1:%d", 10000+len(svc)) },
		AuthUpstream: func(hp string) string { return "127.0.0.1:7" + hp[len(hp)-3:] },
	})
	for _, want := range []string{"\tadmin 127.0.0.1:5555\n", "\tbind 127.0.0.1\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	hs := sites["http://:1234"].handles // an IP base URL: no host
	if len(hs) != 3 || hs[0].auth != "127.0.0.1:7090" || hs[0].upstream != "127.0.0.1:10006" || hs[1].auth != "https://127.0.0.1:7443" {
		t.Errorf("handles %+v:\n%s", hs, text)
	}
}
