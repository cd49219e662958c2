package access

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// defaultScopes are asked for besides openid when a manager names none.
var defaultScopes = []string{"email", "profile", "groups"}

// Discovery retries back off from minBackoff to maxBackoff, so an
// unreachable issuer costs one attempt per interval, not one per login.
const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// idp is one manager's provider, discovered, with its OAuth2 client.
type idp struct {
	issuer     string
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string // "" when discovery names none
}

// providers caches each manager's idp by (issuer, client, generation),
// retrying a failed discovery or client secret read with backoff.
type providers struct {
	s  *Server
	mu sync.Mutex
	m  map[string]*idpEntry // by manager name
}

type idpEntry struct {
	key     string
	mu      sync.Mutex // one discovery at a time per manager
	idp     *idp
	err     error
	retryAt time.Time
	backoff time.Duration
}

func newProviders(s *Server) *providers { return &providers{s: s, m: map[string]*idpEntry{}} }

// errIdP is a provider that could not be used; its text is safe to show.
type errIdP struct{ msg string }

func (e *errIdP) Error() string { return e.msg }

// forget drops a manager's provider, so the next login discovers it and
// reads the client secret again (after a failed code exchange: the secret
// may have been rotated in its Secret, which Weir does not watch).
func (p *providers) forget(manager string) {
	p.mu.Lock()
	delete(p.m, manager)
	p.mu.Unlock()
}

func (p *providers) get(ctx context.Context, st *site) (*idp, error) {
	m := st.m
	oc := m.Spec.Authentication.OIDC
	key := oc.IssuerURL + "\x00" + oc.ClientID + "\x00" + strconv.FormatInt(m.Generation, 10) + "\x00" + st.base()
	p.mu.Lock()
	e := p.m[m.Name]
	if e == nil || e.key != key {
		e = &idpEntry{key: key}
		p.m[m.Name] = e
	}
	p.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.idp != nil {
		return e.idp, nil
	}
	now := p.s.o.Now()
	if e.err != nil && now.Before(e.retryAt) {
		return nil, e.err
	}
	got, err := p.discover(ctx, st)
	if err != nil {
		e.backoff = min(max(2*e.backoff, minBackoff), maxBackoff)
		e.err, e.retryAt = err, now.Add(e.backoff)
		p.s.o.Log.Info("identity provider not usable; login fails until it is", "manager", m.Name,
			"issuer", oc.IssuerURL, "error", err.Error(), "retryIn", e.backoff.String())
		return nil, err
	}
	e.idp, e.err = got, nil
	return got, nil
}

// clientCtx makes go-oidc and x/oauth2 use the server's HTTP client.
func (s *Server) clientCtx(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, s.o.HTTPClient)
	return context.WithValue(ctx, oauth2.HTTPClient, s.o.HTTPClient)
}

func (p *providers) discover(ctx context.Context, st *site) (*idp, error) {
	oc := st.m.Spec.Authentication.OIDC
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	prov, err := oidc.NewProvider(p.s.clientCtx(ctx), oc.IssuerURL)
	if err != nil {
		return nil, &errIdP{fmt.Sprintf("the identity provider %s cannot be reached or its discovery document is wrong: %v", oc.IssuerURL, err)}
	}
	secret := ""
	if ref := oc.ClientSecretRef; ref != nil {
		if p.s.o.ClientSecret == nil {
			return nil, &errIdP{"spec.authentication.oidc.clientSecretRef is set but this access server reads no Secrets"}
		}
		b, err := p.s.o.ClientSecret(ctx, ref.Name, ref.Key)
		if err != nil {
			return nil, &errIdP{fmt.Sprintf("the client secret (key %s of Secret %s in Weir's namespace) cannot be read: %v", ref.Key, ref.Name, err)}
		}
		secret = strings.TrimSpace(string(b))
	}
	scopes := oc.Scopes
	if len(scopes) == 0 {
		scopes = defaultScopes
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = prov.Claims(&meta) // optional
	return &idp{
		issuer: oc.IssuerURL,
		oauth: oauth2.Config{
			ClientID: oc.ClientID, ClientSecret: secret, Endpoint: prov.Endpoint(),
			RedirectURL: st.scheme + "://" + st.host + st.pages() + "callback",
			Scopes:      append([]string{oidc.ScopeOpenID}, scopes...),
		},
		verifier:   prov.VerifierContext(p.s.clientCtx(context.Background()), &oidc.Config{ClientID: oc.ClientID, Now: p.s.o.Now}),
		endSession: meta.EndSession,
	}, nil
}

func randomString() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// login starts the authorization-code flow: state, nonce and PKCE verifier
// go into a short-lived login cookie, the browser to the provider.
func (s *Server) login(w http.ResponseWriter, r *http.Request, st *site) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		page{Status: http.StatusMethodNotAllowed, Title: "Method not allowed", Message: "Log in with a GET."}.write(w)
		return
	}
	rd, err := st.returnURL(r.URL.Query().Get("rd"))
	if err != nil {
		page{Status: http.StatusBadRequest, Title: "Login refused", Message: err.Error()}.write(w)
		return
	}
	p, err := s.idps.get(r.Context(), st)
	if err != nil {
		s.idpErrorPage(w, err)
		return
	}
	l := login{Return: rd, Verifier: oauth2.GenerateVerifier()}
	if l.State, err = randomString(); err == nil {
		l.Nonce, err = randomString()
	}
	if err != nil {
		page{Status: http.StatusInternalServerError, Title: "Login failed", Message: "No randomness for the login state."}.write(w)
		return
	}
	v, err := s.codec.sc.Encode(loginName(st.m.Name), l)
	if err != nil {
		page{Status: http.StatusBadRequest, Title: "Login refused", Message: "The return address is too long."}.write(w)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: loginCookieName, Value: v, Path: st.pages(), MaxAge: int(loginTTL / time.Second),
		HttpOnly: true, Secure: st.secure(), SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.oauth.AuthCodeURL(l.State, oauth2.S256ChallengeOption(l.Verifier), oidc.Nonce(l.Nonce)), http.StatusFound)
}

func (s *Server) idpErrorPage(w http.ResponseWriter, err error) {
	msg := "The identity provider cannot be used."
	var e *errIdP
	if errors.As(err, &e) {
		msg = e.msg
	}
	page{Status: http.StatusBadGateway, Title: "Login unavailable",
		Message: msg + " Try again later; an administrator sees the same in the WorkspaceManager's IdPReachable condition."}.write(w)
}

// returnURL checks where to send the browser after login: the manager's
// own origin (or one of its Workspace hosts, with the Subdomain scheme),
// so the login page is no open redirect.
func (s *site) returnURL(rd string) (string, error) {
	if rd == "" {
		return s.base() + "/", nil
	}
	u, err := url.Parse(rd)
	bad := fmt.Errorf("the return address %q is not under this manager's base URL %s; Weir sends you back only there", rd, s.base())
	if err != nil || u.Scheme != s.scheme || u.User != nil || u.Opaque != "" || strings.ContainsAny(rd, "\\\r\n\t") {
		return "", bad
	}
	host := normalHost(u.Scheme, u.Host)
	switch {
	case host == s.host:
		if !strings.HasPrefix(u.Path, s.basePath+"/") && u.Path != s.basePath {
			return "", bad
		}
	case s.subdomain:
		if _, _, ok := s.workspace(host, "/"); !ok {
			return "", bad
		}
	default:
		return "", bad
	}
	return u.String(), nil
}

// callback finishes a login: state and PKCE checked, code exchanged, ID
// token verified (signature, issuer, audience, expiry, nonce), the
// session cookie set.
func (s *Server) callback(w http.ResponseWriter, r *http.Request, st *site) {
	fail := func(status int, msg string) {
		loginsTotal.WithLabelValues("error").Inc()
		page{Status: status, Title: "Login failed", Message: msg,
			Link: st.pages() + "login", LinkText: "Log in again"}.write(w)
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		fail(http.StatusUnauthorized, fmt.Sprintf("The identity provider refused the login: %s %s", e, q.Get("error_description")))
		return
	}
	ck, err := r.Cookie(loginCookieName)
	l := login{}
	if err != nil || s.codec.sc.Decode(loginName(st.m.Name), ck.Value, &l) != nil {
		s.o.Log.Info("login callback without a valid login cookie", "manager", st.m.Name, "remote", r.RemoteAddr)
		fail(http.StatusBadRequest, "This login was not started here, or took longer than 10 minutes. Start again.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.State)) != 1 || l.State == "" {
		fail(http.StatusBadRequest, "The login's state does not match: start again from the Workspace's address.")
		return
	}
	p, err := s.idps.get(r.Context(), st)
	if err != nil {
		loginsTotal.WithLabelValues("error").Inc()
		s.idpErrorPage(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(s.clientCtx(r.Context()), 15*time.Second)
	defer cancel()
	tok, err := p.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(l.Verifier))
	if err != nil {
		s.o.Log.Info("login: code exchange failed", "manager", st.m.Name, "error", err.Error())
		s.idps.forget(st.m.Name)
		fail(http.StatusBadGateway, "The identity provider did not exchange the login code for tokens (is the client secret right?).")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail(http.StatusBadGateway, "The identity provider sent no ID token: is the openid scope allowed for this client?")
		return
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		s.o.Log.Info("login: ID token refused", "manager", st.m.Name, "error", err.Error())
		fail(http.StatusUnauthorized, "The ID token did not verify.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(l.Nonce)) != 1 {
		fail(http.StatusUnauthorized, "The ID token's nonce does not match this login.")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		fail(http.StatusBadGateway, "The ID token's claims cannot be read.")
		return
	}
	user, groups, err := identity(st.m.Spec.Authentication.OIDC, claims)
	if err != nil {
		fail(http.StatusForbidden, err.Error())
		return
	}
	if err := s.setSession(w, st, p.issuer, user, groups); err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookieName, Value: "", Path: st.pages(), MaxAge: -1,
		HttpOnly: true, Secure: st.secure(), SameSite: http.SameSiteLaxMode})
	loginsTotal.WithLabelValues("ok").Inc()
	s.o.Log.V(1).Info("logged in", "manager", st.m.Name, "user", user)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, l.Return, http.StatusFound)
}

// identity reads the user and groups from the ID token's claims as
// kube-apiserver's OIDC flags would, so RBAC subjects match.
func identity(oc wsv1.OIDCAuthentication, claims map[string]any) (string, []string, error) {
	uc := oc.UsernameClaim
	if uc == "" {
		uc = "email"
	}
	user, _ := claims[uc].(string)
	if user == "" {
		return "", nil, fmt.Errorf("the ID token has no %q claim (spec.authentication.oidc.usernameClaim) to name you by", uc)
	}
	if uc == "email" {
		if v, ok := claims["email_verified"].(bool); ok && !v {
			return "", nil, fmt.Errorf("the identity provider has not verified the email %s", user)
		}
	}
	gc := oc.GroupsClaim
	if gc == "" {
		gc = "groups"
	}
	var groups []string
	switch g := claims[gc].(type) {
	case string:
		groups = []string{g}
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok && s != "" {
				groups = append(groups, s)
			}
		}
	}
	for i := range groups {
		groups[i] = oc.GroupsPrefix + groups[i]
	}
	return oc.UsernamePrefix + user, sortedGroups(groups), nil
}

// sessionCookie names and scopes a manager's session cookie: the whole
// base path (and with the Subdomain scheme the Workspace hosts, through
// the cookie domain, at their root).
func (s *site) sessionCookie(value string, maxAge int) *http.Cookie {
	set := s.m.Spec.Authentication.Session
	name := set.CookieName
	if name == "" {
		name = DefaultCookieName
	}
	path := s.basePath + "/"
	if s.subdomain {
		path = "/"
	}
	return &http.Cookie{Name: name, Value: value, Path: path, Domain: set.CookieDomain, MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode}
}

func (s *site) cookieName() string {
	if n := s.m.Spec.Authentication.Session.CookieName; n != "" {
		return n
	}
	return DefaultCookieName
}

// sessionMaxAge is the manager's session length.
func (s *site) sessionMaxAge() time.Duration {
	if m := s.m.Spec.Authentication.Session.MaxAgeMinutes; m > 0 {
		return time.Duration(m) * time.Minute
	}
	return 12 * time.Hour
}

func (s *Server) setSession(w http.ResponseWriter, st *site, issuer, user string, groups []string) error {
	id, err := newSessionID()
	if err != nil {
		return err
	}
	age := st.sessionMaxAge()
	sess := session{ID: id, User: user, Groups: groups, Issuer: issuer, Exp: s.o.Now().Add(age).Unix()}
	v, err := s.codec.sc.Encode(sessionName(st.m.Name), sess)
	if err != nil || len(v)+len(st.cookieName())+100 > maxCookie {
		return fmt.Errorf("you are in too many groups (%d) for a session cookie; ask an administrator to set groupsClaim to a shorter list", len(groups))
	}
	http.SetCookie(w, st.sessionCookie(v, int(age/time.Second)))
	return nil
}

// logout clears the session and, when the provider has an end-session
// endpoint, ends the provider's session too.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, st *site) {
	http.SetCookie(w, st.sessionCookie("", -1))
	w.Header().Set("Cache-Control", "no-store")
	if p, err := s.idps.get(r.Context(), st); err == nil && p.endSession != "" {
		u, err := url.Parse(p.endSession)
		if err == nil {
			q := u.Query()
			q.Set("client_id", p.oauth.ClientID)
			q.Set("post_logout_redirect_uri", st.base()+"/")
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusFound)
			return
		}
	}
	page{Status: http.StatusOK, Title: "Logged out", Message: "You are logged out of " + st.base() + ".",
		Link: st.pages() + "login", LinkText: "Log in again"}.write(w)
}
