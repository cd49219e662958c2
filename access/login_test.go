package access

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/realparts"
)

// TestLoginAgainstRealIdP runs the whole login against a real OpenID
// Connect provider (test/realparts, built by hack/oidc-provider.sh): the
// redirect with PKCE, the provider's login form, the callback's code
// exchange with the client secret from a Secret, ID token verification,
// the session cookie, then forward-auth with that cookie, and logout.
func TestLoginAgainstRealIdP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	idp := realparts.StartIdP(t, realparts.IdPConfig{
		Users: []realparts.IdPUser{
			{ID: "u-alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", Groups: []string{"data-science", "ops"}},
			{ID: "u-bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com"},
		},
		Clients: []realparts.IdPClient{{ID: "weir", Secret: "s3cret-value", RedirectURIs: []string{base + "/_weir/callback"},
			PostLogoutRedirectURIs: []string{base + "/"}}},
	})
	m := testManager("default", base)
	m.Spec.Authentication.OIDC = wsv1.OIDCAuthentication{
		IssuerURL: idp.Issuer, ClientID: "weir", UsernamePrefix: "oidc:", GroupsPrefix: "oidc:",
		ClientSecretRef: &wsv1.SecretKeySelector{Name: "weir-oidc", Key: "client-secret"},
	}
	ts := newTestServer(t, m)
	var secretReads int
	ts.o.ClientSecret = func(_ context.Context, name, key string) ([]byte, error) {
		secretReads++
		if name != "weir-oidc" || key != "client-secret" {
			return nil, fmt.Errorf("no key %s in secret %s", key, name)
		}
		return []byte("s3cret-value\n"), nil
	}
	ts.reader.putWorkspace(workspace("team", "nb", "oidc:alice@example.com", wsv1.OwnershipOwnerOnly))
	srv := &http.Server{Handler: ts.Server}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	wsURL := base + "/workspaces/team/nb/lab"
	login := func(t *testing.T, user, password string) *cookiejar.Jar {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(r.URL.Path, "/workspaces/") {
				return http.ErrUseLastResponse // back at the Workspace: the proxy's part
			}
			return nil
		}}
		resp := idp.Login(t, c, base+"/_weir/login?rd="+url.QueryEscape(wsURL), user, password)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != wsURL {
			t.Fatalf("after the login: %s answered %d, Location %q; want a 302 back to %s; body:\n%s",
				resp.Request.URL, resp.StatusCode, resp.Header.Get("Location"), wsURL, body)
		}
		return jar
	}
	sessionOf := func(t *testing.T, jar *cookiejar.Jar) *http.Cookie {
		t.Helper()
		u, _ := url.Parse(wsURL)
		for _, c := range jar.Cookies(u) {
			if c.Name == DefaultCookieName {
				return c
			}
		}
		t.Fatalf("no %s cookie for %s after the login", DefaultCookieName, wsURL)
		return nil
	}
	hostOnly := strings.TrimPrefix(base, "http://")

	t.Run("alice logs in and is let into her Workspace", func(t *testing.T) {
		jar := login(t, "alice", "alice-pw")
		r := authRequest(hostOnly, "/workspaces/team/nb/lab", sessionOf(t, jar))
		rec := ts.do(r)
		if rec.Code != http.StatusOK {
			t.Fatalf("forward-auth with alice's session: status %d; body:\n%s", rec.Code, rec.Body)
		}
		if u, g := rec.Header().Get(HeaderUser), rec.Header().Get(HeaderGroups); u != "oidc:alice@example.com" || g != "oidc:data-science,oidc:ops" {
			t.Fatalf("user %q, groups %q; want the prefixed email and groups from the ID token", u, g)
		}
		if secretReads != 1 {
			t.Errorf("client secret read %d times, want once (per manager generation)", secretReads)
		}
	})
	t.Run("bob logs in and is refused", func(t *testing.T) {
		jar := login(t, "bob", "bob-pw")
		rec := ts.do(authRequest(hostOnly, "/workspaces/team/nb/lab", sessionOf(t, jar)))
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "oidc:bob@example.com") {
			t.Fatalf("forward-auth with bob's session: status %d, want the 403 page naming him; body:\n%s", rec.Code, rec.Body)
		}
	})
	t.Run("logout clears the session and ends the provider's", func(t *testing.T) {
		jar := login(t, "alice", "alice-pw")
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(base + "/_weir/logout")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, idp.Issuer) {
			t.Fatalf("logout: status %d, Location %q; want a 302 to the provider's end_session_endpoint", resp.StatusCode, loc)
		}
		u, _ := url.Parse(wsURL)
		for _, ck := range jar.Cookies(u) {
			if ck.Name == DefaultCookieName {
				t.Fatalf("the session cookie survived logout")
			}
		}
	})
}
