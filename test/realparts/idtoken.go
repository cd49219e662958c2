package realparts

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// IDToken logs username in at this provider as a desktop client does
// (authorization code with PKCE, the browser's part played by Login) and
// returns the ID token. The client must list redirectURI among its
// RedirectURIs; nothing needs to listen there (the redirect to it is where
// the login stops).
func (p *IdP) IDToken(t TB, client IdPClient, redirectURI, username, password string) string {
	t.Helper()
	ctx := context.Background()
	prov, err := oidc.NewProvider(ctx, p.Issuer)
	if err != nil {
		t.Fatalf("discover %s: %v", p.Issuer, err)
	}
	conf := oauth2.Config{
		ClientID: client.ID, ClientSecret: client.Secret, RedirectURL: redirectURI, Endpoint: prov.Endpoint(),
		Scopes: []string{"openid", "email", "profile", "groups"},
	}
	verifier := oauth2.GenerateVerifier()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), redirectURI) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp := p.Login(t, c, conf.AuthCodeURL("state-x", oauth2.S256ChallengeOption(verifier)), username, password)
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirectURI) {
		t.Fatalf("the login ended with status %d at %s, not with a redirect to %s", resp.StatusCode, resp.Request.URL, redirectURI)
	}
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("state") != "state-x" {
		t.Fatalf("the redirect %s carries no code for this login", loc)
	}
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange the code at %s: %v", conf.Endpoint.TokenURL, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("the token answer has no id_token")
	}
	return raw
}
