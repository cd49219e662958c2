package realparts

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestIdPLogin runs a whole authorization-code + PKCE login against the
// provider with net/http, exchanges the code with x/oauth2 and verifies the
// ID token with go-oidc: the tool works and its tokens carry the claims
// Weir reads.
func TestIdPLogin(t *testing.T) {
	const redirect = "http://127.0.0.1:9/callback" // never dialled: the client stops there
	const loggedOut = "http://127.0.0.1:9/logged-out"
	idp := StartIdP(t, IdPConfig{
		Users: []IdPUser{
			{ID: "u-alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", Name: "Alice Liddell", Groups: []string{"data-science", "ops"}},
			{ID: "u-bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com"},
		},
		Clients: []IdPClient{{ID: "weir", Secret: "weir-secret", RedirectURIs: []string{redirect},
			PostLogoutRedirectURIs: []string{loggedOut}}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	provider, err := oidc.NewProvider(ctx, idp.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := oauth2.Config{
		ClientID: "weir", ClientSecret: "weir-secret", RedirectURL: redirect,
		Endpoint: provider.Endpoint(),
		Scopes:   []string{oidc.ScopeOpenID, "email", "profile", "groups"},
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: "weir"})

	login := func(t *testing.T, user, password string) (code, pkce string) {
		t.Helper()
		pkce = oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(pkce), oidc.Nonce("nonce-1"))
		c := browserlessClient(t, redirect)
		resp := idp.Login(t, c, authURL, user, password)
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirect) {
			t.Fatalf("after the login form: status %d, Location %q; want a 302 to %s", resp.StatusCode, resp.Header.Get("Location"), redirect)
		}
		if got := loc.Query().Get("state"); got != "state-1" {
			t.Fatalf("state = %q, want state-1", got)
		}
		if code = loc.Query().Get("code"); code == "" {
			t.Fatalf("no code in %s", loc)
		}
		return code, pkce
	}

	t.Run("groups and profile in the ID token", func(t *testing.T) {
		code, pkce := login(t, "alice", "alice-pw")
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("verify ID token: %v", err)
		}
		var claims struct {
			Sub               string   `json:"sub"`
			Nonce             string   `json:"nonce"`
			Email             string   `json:"email"`
			EmailVerified     bool     `json:"email_verified"`
			PreferredUsername string   `json:"preferred_username"`
			Name              string   `json:"name"`
			Groups            []string `json:"groups"`
		}
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if claims.Sub != "u-alice" || claims.Nonce != "nonce-1" || claims.Email != "alice@example.com" || !claims.EmailVerified ||
			claims.PreferredUsername != "alice" || claims.Name != "Alice Liddell" ||
			!slices.Equal(claims.Groups, []string{"data-science", "ops"}) {
			t.Fatalf("ID token claims = %+v", claims)
		}

		info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		var ui struct {
			Groups []string `json:"groups"`
		}
		if err := info.Claims(&ui); err != nil {
			t.Fatal(err)
		}
		if info.Email != "alice@example.com" || !slices.Equal(ui.Groups, []string{"data-science", "ops"}) {
			t.Fatalf("userinfo: email %q groups %v", info.Email, ui.Groups)
		}
	})

	t.Run("end_session redirects to a registered post-logout URI", func(t *testing.T) {
		code, pkce := login(t, "alice", "alice-pw")
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		var disc struct {
			EndSession string `json:"end_session_endpoint"`
		}
		if err := provider.Claims(&disc); err != nil || disc.EndSession == "" {
			t.Fatalf("no end_session_endpoint in discovery (%v)", err)
		}
		endSession := func(postLogout string) *http.Response {
			q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "client_id": {"weir"},
				"post_logout_redirect_uri": {postLogout}, "state": {"bye"}}
			c := browserlessClient(t, "http://127.0.0.1:9/")
			resp, err := c.Get(disc.EndSession + "?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		resp := endSession(loggedOut)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != loggedOut+"?state=bye" {
			t.Fatalf("end_session: status %d Location %q, want a 302 to %s?state=bye", resp.StatusCode, loc, loggedOut)
		}
		if resp := endSession("http://127.0.0.1:9/elsewhere"); strings.HasPrefix(resp.Header.Get("Location"), "http://127.0.0.1:9/elsewhere") {
			t.Fatal("end_session redirected to an unregistered post-logout URI")
		}
	})

	t.Run("a user without groups gets an empty list", func(t *testing.T) {
		code, pkce := login(t, "bob", "bob-pw")
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		idt, err := verifier.Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if g, ok := claims["groups"].([]any); !ok || len(g) != 0 {
			t.Fatalf("groups claim = %#v, want []", claims["groups"])
		}
	})

	t.Run("PKCE is enforced", func(t *testing.T) {
		code, _ := login(t, "alice", "alice-pw")
		if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Fatal("exchange with the wrong code_verifier succeeded")
		}
		code, _ = login(t, "alice", "alice-pw")
		if _, err := conf.Exchange(ctx, code); err == nil {
			t.Fatal("exchange without code_verifier succeeded")
		}
	})

	t.Run("a wrong password shows the form again", func(t *testing.T) {
		c := browserlessClient(t, redirect)
		resp, err := c.Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := loginIDInput.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no login form: %s", body)
		}
		resp, err = c.PostForm(idp.Issuer+"/login/username", url.Values{"id": {string(m[1])}, "username": {"alice"}, "password": {"nope"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "username or password wrong") {
			t.Fatalf("status %d, body:\n%s", resp.StatusCode, body)
		}
	})
}

// browserlessClient follows redirects like a browser, with cookies, but
// stops at redirect (the OAuth client's callback) so the code can be read.
func browserlessClient(t *testing.T, redirect string) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), redirect) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// TestIdPBrowserLogin fills the provider's form in Chromium: the page
// renders, the form posts, and the browser lands on the client's callback
// with a code. The issuer is on "localhost" (cross-site with the
// callback on 127.0.0.1), which tests may choose.
func TestIdPBrowserLogin(t *testing.T) {
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<p id=code>%s</p>", html.EscapeString(r.URL.Query().Get("code")))
	}))
	defer callback.Close()
	idp := StartIdP(t, IdPConfig{
		Users:   []IdPUser{{ID: "u-alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com"}},
		Clients: []IdPClient{{ID: "weir", Secret: "s", RedirectURIs: []string{callback.URL + "/cb"}}},
		Host:    "localhost",
	})
	if !strings.HasPrefix(idp.Issuer, "http://localhost:") {
		t.Fatalf("issuer %s, want one on localhost", idp.Issuer)
	}
	conf := oauth2.Config{ClientID: "weir", RedirectURL: callback.URL + "/cb", Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: idp.Issuer + "/auth"}}

	ctx, cancel := context.WithTimeout(Chromium(t), time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))); err != nil {
		t.Fatal(err)
	}
	Screenshot(t, ctx, "login-form")
	idp.BrowserLogin(t, ctx, "alice", "alice-pw")
	code, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#code")))
	if err != nil {
		t.Fatalf("no callback page: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if code == "" || !strings.HasPrefix(loc, callback.URL+"/cb?") || !strings.Contains(loc, "state=st") {
		t.Fatalf("callback at %s with code %q", loc, code)
	}
}

// TestIdPGroupsNeedScope: with GroupsNeedScope the groups claim follows the
// "groups" scope, as with Dex.
func TestIdPGroupsNeedScope(t *testing.T) {
	const redirect = "http://127.0.0.1:9/callback"
	idp := StartIdP(t, IdPConfig{
		Users:           []IdPUser{{ID: "u-alice", Username: "alice", Password: "pw", Groups: []string{"ops"}}},
		Clients:         []IdPClient{{ID: "weir", Secret: "s", RedirectURIs: []string{redirect}}},
		GroupsNeedScope: true,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(ctx, idp.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scopes     []string
		wantGroups bool
	}{{[]string{"openid", "profile"}, false}, {[]string{"openid", "groups"}, true}} {
		conf := oauth2.Config{ClientID: "weir", ClientSecret: "s", RedirectURL: redirect, Endpoint: provider.Endpoint(), Scopes: tc.scopes}
		pkce := oauth2.GenerateVerifier()
		resp := idp.Login(t, browserlessClient(t, redirect), conf.AuthCodeURL("st", oauth2.S256ChallengeOption(pkce)), "alice", "pw")
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("scopes %v: exchange: %v", tc.scopes, err)
		}
		idt, err := provider.Verifier(&oidc.Config{ClientID: "weir"}).Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if _, has := claims["groups"]; has != tc.wantGroups {
			t.Errorf("scopes %v: groups claim present = %v, want %v (claims %v)", tc.scopes, has, tc.wantGroups, claims)
		}
	}
}
