package access

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
)

// Desktop clients (`weir workspace connect`) have no session cookie: they
// send the user's OIDC ID token as Authorization: Bearer. It is verified
// as the login's callback verifies one (the manager's provider, audience
// its clientID, expiry) and names the user and groups the same way, so
// the RBAC fence, package weir.access and the decision cache treat it as
// a session whose ID is the token's hash and whose end is the token's.

// bearerToken is the request's Authorization: Bearer credential, "" when
// it has none.
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// bearerError is a refused token; its text is safe to show (never the
// token).
type bearerError struct {
	status int
	msg    string
}

func (e *bearerError) Error() string { return e.msg }

// bearerSession verifies tok for the manager of st. Verified tokens are
// kept by their hash (like decoded cookies), for at most a minute and
// never past their expiry.
func (s *Server) bearerSession(ctx context.Context, st *site, tok string) (*session, error) {
	sum := sha256.Sum256([]byte(tok))
	id := "bearer:" + base64.RawURLEncoding.EncodeToString(sum[:])
	k := sessionKey{manager: "bearer/" + st.m.Name, value: id}
	now := s.o.Now()
	if sess, hit := s.codec.decoded.get(k, now); hit && sess.Exp > now.Unix() && sess.Issuer == st.m.Spec.Authentication.OIDC.IssuerURL {
		return sess, nil
	}
	p, err := s.idps.get(ctx, st)
	if err != nil {
		msg := "the identity provider cannot be used"
		var e *errIdP
		if errors.As(err, &e) {
			msg = e.msg
		}
		return nil, &bearerError{http.StatusServiceUnavailable, "Weir cannot verify ID tokens now: " + msg}
	}
	idt, err := p.verifier.Verify(s.clientCtx(ctx), tok)
	if err != nil {
		s.o.Log.Info("bearer ID token refused", "manager", st.m.Name, "error", err.Error())
		return nil, &bearerError{http.StatusUnauthorized, "The bearer token is not a valid ID token of " +
			p.issuer + " for client " + p.oauth.ClientID + " (expired, or issued for another client?): get a fresh one."}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, &bearerError{http.StatusUnauthorized, "The ID token's claims cannot be read."}
	}
	user, groups, err := identity(st.m.Spec.Authentication.OIDC, claims)
	if err != nil {
		return nil, &bearerError{http.StatusForbidden, err.Error()}
	}
	sess := &session{ID: id, User: user, Groups: groups, Issuer: p.issuer, Exp: idt.Expiry.Unix()}
	keep := now.Add(decodedTTL)
	if idt.Expiry.Before(keep) {
		keep = idt.Expiry
	}
	s.codec.decoded.put(k, sess, keep)
	return sess, nil
}

// bearerRefused answers a request whose bearer token did not verify: no
// login redirect, the client is a program.
func (s *Server) bearerRefused(w http.ResponseWriter, st *site, err error) string {
	e := &bearerError{http.StatusUnauthorized, err.Error()}
	errors.As(err, &e)
	w.Header().Set("Cache-Control", "no-store")
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	page{Status: e.status, Title: "ID token refused", Message: e.msg,
		Link: st.pages() + "login", LinkText: "Log in"}.write(w)
	if e.status == http.StatusServiceUnavailable {
		return resultError
	}
	return resultUnauthenticated
}
