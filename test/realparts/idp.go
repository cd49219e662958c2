package realparts

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// IdPUser is a user the provider accepts on its login form.
type IdPUser struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Email    string   `json:"email"`
	Name     string   `json:"name,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// IdPClient is an OAuth client. An empty Secret makes a public client.
type IdPClient struct {
	ID                     string   `json:"id"`
	Secret                 string   `json:"secret,omitempty"`
	RedirectURIs           []string `json:"redirectURIs"`
	PostLogoutRedirectURIs []string `json:"postLogoutRedirectURIs,omitempty"`
}

// IdPConfig is what StartIdP serves. Clients' redirect URIs usually contain
// a port chosen later (Weir's or Caddy's): start those first, or pick their
// ports before.
type IdPConfig struct {
	Users   []IdPUser
	Clients []IdPClient
	// GroupsNeedScope puts the groups claim only into answers to requests
	// that asked for the "groups" scope; by default it is always there.
	// In this mode only the ID token has groups, the userinfo answer never
	// (the example storage keeps a token's scopes to itself).
	GroupsNeedScope bool
	// Host is the issuer's host name: "127.0.0.1" (the default) or
	// "localhost". The provider listens on 127.0.0.1 either way. Browsers
	// ignore ports when they compare sites, so an IdP on 127.0.0.1 is
	// same-site with a proxy on 127.0.0.1 and SameSite=Strict cookies
	// would survive the redirect back from it; "localhost" makes the IdP
	// cross-site, as a real one is.
	Host string
}

// IdP is a running OpenID Connect provider (zitadel/oidc's example provider
// in test/tools/oidc): authorization code with PKCE S256, an HTML login form
// (inputs "username" and "password", a "Login" button) at /login/username,
// ID tokens and userinfo with email, email_verified, preferred_username,
// name and groups. Every authorization request shows the form: the provider
// keeps no login session of its own.
type IdP struct {
	// Issuer is http://127.0.0.1:PORT (or IdPConfig.Host), without a
	// trailing slash.
	Issuer string
}

// StartIdP starts the provider (hack/oidc-provider.sh, or WEIR_OIDC_PROVIDER)
// and waits for its discovery document.
func StartIdP(t TB, cfg IdPConfig) *IdP {
	t.Helper()
	bin := tool(t, "WEIR_OIDC_PROVIDER", "hack/oidc-provider.sh")
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		host := cfg.Host
		if host == "" {
			host = "127.0.0.1"
		}
		issuer := fmt.Sprintf("http://%s:%d", host, port)
		conf := map[string]any{
			"issuer":          issuer,
			"users":           nonNil(cfg.Users),
			"clients":         nonNil(cfg.Clients),
			"groupsNeedScope": cfg.GroupsNeedScope,
		}
		b, err := json.MarshalIndent(conf, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		confPath := filepath.Join(dir, "provider.json")
		if err := os.WriteFile(confPath, b, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-config", confPath, "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-v")
		cmd.Env = privateEnv(dir)
		p := start(t, "oidc-provider", cmd)
		err = p.waitFor(20*time.Second, func() error {
			return getOK(issuer + "/.well-known/openid-configuration")
		})
		if err == nil {
			return &IdP{Issuer: issuer}
		}
		p.stop()
		if attempt < 3 && addrInUse(p.output()) {
			continue
		}
		t.Fatal(err)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

var loginIDInput = regexp.MustCompile(`name="id" value="([^"]*)"`)

// Login plays a browser's part in a login without one: c (which must have
// a cookie jar) GETs startURL and follows redirects; if it lands on this
// provider's login form, it submits username and password and follows the
// redirects that come back. It returns the last response, body unread, as
// c's CheckRedirect policy left it (e.g. a 302 to a redirect URI the policy
// stopped at). It fails the test if the form was not reached, or rejects
// the credentials.
func (p *IdP) Login(t TB, c *http.Client, startURL, username, password string) *http.Response {
	t.Helper()
	if c.Jar == nil {
		t.Fatal("IdP.Login: the http.Client needs a cookie jar (net/http/cookiejar)")
	}
	resp, err := c.Get(startURL)
	if err != nil {
		t.Fatalf("GET %s: %v", startURL, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	formURL := p.Issuer + "/login/username"
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.String(), formURL) {
		t.Fatalf("GET %s ended at %s with status %d, not at the login form %s; body:\n%s",
			startURL, resp.Request.URL, resp.StatusCode, formURL, snippet(body))
	}
	m := loginIDInput.FindSubmatch(body)
	if m == nil {
		t.Fatalf("the login form at %s has no auth request id; body:\n%s", resp.Request.URL, snippet(body))
	}
	id := html.UnescapeString(string(m[1]))
	resp, err = c.PostForm(formURL, url.Values{"id": {id}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatalf("POST %s: %v", formURL, err)
	}
	if resp.Request.URL.String() == formURL && resp.StatusCode == http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("the provider rejected %s's credentials (the form came back); body:\n%s", username, snippet(body))
	}
	return resp
}

// BrowserLogin fills and submits this provider's login form in the tab of
// ctx (a Chromium context), once the tab has been sent there (for example
// by Weir's /_weir/login). It does not wait for what the submission leads to.
func (p *IdP) BrowserLogin(t TB, ctx context.Context, username, password string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#username"))); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("the tab never showed the login form (it is at %s): %v", loc, err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc, p.Issuer+"/login/username") {
		t.Fatalf("the tab is at %s, not at the login form %s/login/username", loc, p.Issuer)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
	)
	if err != nil {
		t.Fatalf("fill the login form: %v", err)
	}
}

func getOK(u string) error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return nil
}

func snippet(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}
