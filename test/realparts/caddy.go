package realparts

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Route is one path prefix Caddy sends to an upstream.
type Route struct {
	// PathPrefix is matched as a prefix of the request path
	// ("/workspaces/ns/name/" matches everything under it). The longest
	// matching prefix wins.
	PathPrefix string
	// Upstream is the host:port requests are proxied to, path unchanged,
	// the client's Host header kept, WebSocket upgrades passed through.
	Upstream string
	// ForwardAuth, if set, is the host:port of the auth server Caddy asks
	// first (forward_auth): a GET to AuthURI (plus the request's own query
	// string: Caddy keeps it) with the original Host and
	// the request's X-Forwarded-Method, -Uri, -Host, -Proto and -For and
	// its cookies. A 2xx answer lets the request through with the
	// CopyHeaders of that answer set on it (a client's own copies are
	// removed first); any other answer (a 302 to the login, 401, 403 with
	// its HTML) goes back to the client unchanged.
	ForwardAuth string
	AuthURI     string
	CopyHeaders []string
}

// Caddy is a running Caddy: one plain-HTTP site on a free loopback port
// whose routes Load replaces through the admin API.
type Caddy struct {
	// URL is the public base URL, http://127.0.0.1:PORT (no trailing slash).
	URL string
	// Addr is the public host:port.
	Addr      string
	adminAddr string
	port      int
	dir       string
}

// StartCaddy starts Caddy (hack/caddy.sh, or WEIR_CADDY) with no routes:
// every path answers 404 "no route" until Load.
func StartCaddy(t TB) *Caddy {
	t.Helper()
	bin := tool(t, "WEIR_CADDY", "hack/caddy.sh")
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		c := &Caddy{port: freePort(t), dir: dir}
		admin := freePort(t)
		for admin == c.port {
			admin = freePort(t)
		}
		c.adminAddr = fmt.Sprintf("127.0.0.1:%d", admin)
		c.Addr = fmt.Sprintf("127.0.0.1:%d", c.port)
		c.URL = "http://" + c.Addr
		conf := filepath.Join(dir, "Caddyfile")
		if err := os.WriteFile(conf, []byte(c.caddyfile(nil)), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "run", "--config", conf, "--adapter", "caddyfile")
		cmd.Dir = dir
		cmd.Env = privateEnv(dir)
		p := start(t, "caddy", cmd)
		err := p.waitFor(20*time.Second, func() error {
			resp, err := http.Get(c.URL + "/")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				return fmt.Errorf("GET %s/: status %d, want 404 from the empty config", c.URL, resp.StatusCode)
			}
			return getOK("http://" + c.adminAddr + "/config/")
		})
		if err == nil {
			return c
		}
		p.stop()
		if attempt < 3 && addrInUse(p.output()) {
			continue
		}
		t.Fatal(err)
	}
}

// Load replaces Caddy's routes with routes (POST /load on the admin API);
// when it returns, new requests take the new routes.
func (c *Caddy) Load(t TB, routes []Route) {
	t.Helper()
	for i, r := range routes {
		if !strings.HasPrefix(r.PathPrefix, "/") || r.Upstream == "" {
			t.Fatalf("Caddy.Load: routes[%d] needs a PathPrefix starting with / and an Upstream host:port, got %+v", i, r)
		}
		if r.ForwardAuth != "" && !strings.HasPrefix(r.AuthURI, "/") {
			t.Fatalf("Caddy.Load: routes[%d] has ForwardAuth but AuthURI %q is not a path (e.g. /_weir/auth)", i, r.AuthURI)
		}
	}
	c.LoadCaddyfile(t, c.caddyfile(routes))
}

// AdminAddr is the admin API's host:port. A whole Caddyfile given to
// LoadCaddyfile keeps the admin API reachable only if its global options
// say `admin <AdminAddr>`.
func (c *Caddy) AdminAddr() string { return c.adminAddr }

// Port is the public port, the one a loaded Caddyfile's site must listen on.
func (c *Caddy) Port() int { return c.port }

// LoadCaddyfile replaces Caddy's whole configuration with cf, a Caddyfile
// (POST /load, Content-Type text/caddyfile); when it returns, new requests
// take it. See AdminAddr and Port.
func (c *Caddy) LoadCaddyfile(t TB, cf string) {
	t.Helper()
	// Kept beside the log so a failing test's config can be read.
	_ = os.WriteFile(filepath.Join(c.dir, "Caddyfile.loaded"), []byte(cf), 0o600)
	req, err := http.NewRequest(http.MethodPost, "http://"+c.adminAddr+"/load", strings.NewReader(cf))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("Caddy.LoadCaddyfile: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Caddy.LoadCaddyfile: status %d: %s\nCaddyfile:\n%s", resp.StatusCode, body, cf)
	}
	// A kept-alive connection from before the load belongs to the old
	// server, which Caddy is shutting down: a request sent on it gets EOF
	// (seen in CI). Clients on the default transport start afresh.
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// caddyfile renders the whole configuration: admin on its own port, no
// automatic HTTPS, nothing persisted, and one site with a handle block per
// route (Caddy orders handle blocks by the length of their path, so the
// longest prefix wins).
func (c *Caddy) caddyfile(routes []Route) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{
	admin %s
	auto_https off
	persist_config off
	skip_install_trust
	storage file_system %s
	grace_period 1s
	log {
		output stderr
		level INFO
	}
}

http://:%d {
	bind 127.0.0.1
`, c.adminAddr, quote(filepath.Join(c.dir, "data")), c.port)
	routes = append([]Route(nil), routes...)
	sort.SliceStable(routes, func(i, j int) bool { return len(routes[i].PathPrefix) > len(routes[j].PathPrefix) })
	for _, r := range routes {
		fmt.Fprintf(&b, "\thandle %s {\n", quote(r.PathPrefix+"*"))
		if r.ForwardAuth != "" {
			fmt.Fprintf(&b, "\t\tforward_auth %s {\n\t\t\turi %s\n", r.ForwardAuth, quote(r.AuthURI))
			if len(r.CopyHeaders) > 0 {
				b.WriteString("\t\t\tcopy_headers")
				for _, h := range r.CopyHeaders {
					b.WriteString(" " + quote(h))
				}
				b.WriteString("\n")
			}
			b.WriteString("\t\t}\n")
		}
		// Host is passed through unchanged by default; flush_interval -1
		// streams answers (server-sent events, long polls) at once.
		fmt.Fprintf(&b, "\t\treverse_proxy %s {\n\t\t\tflush_interval -1\n\t\t}\n\t}\n", r.Upstream)
	}
	b.WriteString("\thandle {\n\t\trespond \"no route\" 404\n\t}\n}\n")
	return b.String()
}

// quote makes s one Caddyfile token.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"{}#\n") {
		return s
	}
	return strconv.Quote(s)
}
