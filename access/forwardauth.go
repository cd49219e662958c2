package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// auth answers the reverse proxy's forward-auth request for one request
// to a Workspace, described by X-Forwarded-Method, -Proto, -Host and -Uri:
// 200 (with X-Weir-User and X-Weir-Groups) lets it through; anything else
// is sent to the browser instead of the Workspace's answer.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	result := s.authorize(w, r)
	decisionsTotal.WithLabelValues(result).Inc()
	authDuration.Observe(time.Since(start).Seconds())
}

// forwarded is the request the proxy asks about.
type forwarded struct {
	method, host, uri string
	path              string // decoded
	html              bool   // a browser navigating, which a login page suits
}

func parseForwarded(r *http.Request) (forwarded, error) {
	f := forwarded{
		method: r.Header.Get("X-Forwarded-Method"),
		host:   anyDefaultPort(r.Header.Get("X-Forwarded-Host")),
		uri:    r.Header.Get("X-Forwarded-Uri"),
	}
	nginx := false
	if orig := r.Header.Get("X-Original-URL"); f.uri == "" && orig != "" {
		// ingress-nginx's auth-url subrequest names the request by its
		// whole URL and method instead.
		u, err := url.Parse(orig)
		if err != nil || !u.IsAbs() {
			return f, fmt.Errorf("X-Original-URL is not an absolute URL: %q", orig)
		}
		f.method, f.host, f.uri, nginx = r.Header.Get("X-Original-Method"), anyDefaultPort(u.Host), u.RequestURI(), true
	}
	if f.method == "" {
		f.method = http.MethodGet
	}
	if f.host == "" {
		return f, errors.New("the proxy sent no X-Forwarded-Host")
	}
	u, err := url.ParseRequestURI(f.uri)
	if err != nil {
		return f, fmt.Errorf("X-Forwarded-Uri is not a request URI: %w", err)
	}
	f.path = u.Path
	// ingress-nginx turns any answer but 2xx, 401 and 403 into a 500: it
	// gets 401, and its auth-signin annotation sends browsers to the login.
	f.html = !nginx && (f.method == http.MethodGet || f.method == http.MethodHead) &&
		strings.Contains(r.Header.Get("Accept"), "text/html")
	return f, nil
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) string {
	f, err := parseForwarded(r)
	if err != nil {
		page{Status: http.StatusBadRequest, Title: "Bad forward-auth request", Message: err.Error()}.write(w)
		return resultBadRequest
	}
	st := s.currentSites().forWorkspace(f.host, f.path)
	if st == nil {
		page{Status: http.StatusNotFound, Title: "Not found",
			Message: "No WorkspaceManager serves Workspaces at this address."}.write(w)
		return resultNotFound
	}
	namespace, name, ok := st.workspace(f.host, f.path)
	if !ok {
		page{Status: http.StatusNotFound, Title: "Not found",
			Message: "This is not a Workspace's address: Workspaces are at " + st.base() + "/workspaces/<namespace>/<name>/."}.write(w)
		return resultNotFound
	}
	ctx := r.Context()
	if tok := r.Header.Get(ProbeHeader); tok != "" {
		return s.probe(ctx, w, st, f, tok, namespace, name)
	}
	sess, err := s.codec.decodeSession(r, st.cookieName(), st.m.Name, st.m.Spec.Authentication.OIDC.IssuerURL, s.o.Now())
	if tok := bearerToken(r); tok != "" && errors.Is(err, errNoCookie) {
		// A desktop client's ID token (bearer.go).
		if sess, err = s.bearerSession(ctx, st, tok); err != nil {
			return s.bearerRefused(w, st, err)
		}
	}
	if err != nil {
		if !errors.Is(err, errNoCookie) {
			// The reason only: the cookie's value is a credential.
			s.o.Log.Info("session cookie refused", "manager", st.m.Name, "reason", err.Error(),
				"host", f.host, "remote", r.Header.Get("X-Forwarded-For"))
		}
		return s.unauthenticated(w, st, f)
	}
	workspace := namespace + "/" + name
	allowed, err := s.mayConnect(ctx, sess, namespace, name)
	if err != nil {
		s.o.Log.Error(err, "SubjectAccessReview failed", "user", sess.User, "workspace", workspace)
		page{Status: http.StatusServiceUnavailable, Title: "Cannot check access",
			Message: "Weir could not ask the Kubernetes API whether you may connect; try again shortly.",
			User:    sess.User, Workspace: workspace}.write(w)
		return resultError
	}
	if !allowed {
		page{Status: http.StatusForbidden, Title: "Access denied", Message: "You may not connect to this Workspace.",
			User: sess.User, Workspace: workspace, Code: "RBACDenied",
			Reason: fmt.Sprintf("Kubernetes RBAC does not let %s create workspaces/connection (group workspace.jupyter.org) in namespace %s; an administrator grants it with a Role and RoleBinding.", sess.User, namespace),
			Link:   st.pages() + "logout", LinkText: "Log out"}.write(w)
		return resultForbidden
	}
	v, err := s.decide(ctx, st, sess, namespace, name)
	if err != nil {
		s.o.Log.Error(err, "access decision failed", "user", sess.User, "workspace", workspace)
		page{Status: http.StatusServiceUnavailable, Title: "Cannot decide access",
			Message: "Weir's access policy could not decide; the operator's log says why. Try again shortly.",
			User:    sess.User, Workspace: workspace}.write(w)
		return resultError
	}
	if !v.allow {
		v.page.write(w)
		if v.notFound {
			return resultNotFound
		}
		return resultDeny
	}
	s.seen(namespace, name) // activity, for idle shutdown
	h := w.Header()
	h.Set(HeaderUser, sess.User)
	h.Set(HeaderGroups, strings.Join(sess.Groups, ","))
	w.WriteHeader(http.StatusOK)
	return resultAllow
}

// refusalPage is the page for a verdict that does not allow (nil for one
// that does).
func refusalPage(st *site, sess *session, workspace string, v verdict) *page {
	switch {
	case v.notFound:
		return &page{Status: http.StatusNotFound, Title: "No such Workspace", Message: v.reason,
			User: sess.User, Workspace: workspace}
	case !v.allow:
		return &page{Status: http.StatusForbidden, Title: "Access denied", Message: "You may not connect to this Workspace.",
			User: sess.User, Workspace: workspace, Reason: v.reason, Code: v.code,
			Link: st.pages() + "logout", LinkText: "Log out"}
	}
	return nil
}

// unauthenticated sends a browser to log in (and back here afterwards);
// other clients get 401.
func (s *Server) unauthenticated(w http.ResponseWriter, st *site, f forwarded) string {
	w.Header().Set("Cache-Control", "no-store")
	if f.html {
		rd := st.scheme + "://" + f.host + f.uri
		w.Header().Set("Location", st.base()+wsLoginPath+"?rd="+url.QueryEscape(rd))
		w.WriteHeader(http.StatusFound)
		return resultLogin
	}
	page{Status: http.StatusUnauthorized, Title: "Log in first",
		Message: "This request has no valid Weir session.", Link: st.pages() + "login", LinkText: "Log in"}.write(w)
	return resultUnauthenticated
}

// wsLoginPath is the login page under a base URL.
const wsLoginPath = "/_weir/login"

// probe lets the controller's probe through: GET or HEAD, under the one
// Workspace the token was made for, before it expires.
func (s *Server) probe(ctx context.Context, w http.ResponseWriter, st *site, f forwarded, tok, namespace, name string) string {
	refuse := func(why string) string {
		s.o.Log.Info("probe token refused", "workspace", namespace+"/"+name, "reason", why)
		page{Status: http.StatusForbidden, Title: "Access denied", Message: "Probe refused: " + why}.write(w)
		return resultDeny
	}
	if f.method != http.MethodGet && f.method != http.MethodHead {
		return refuse("probes may only GET or HEAD")
	}
	if p := st.workspacePath(namespace, name); !strings.HasPrefix(f.path, p) && f.path+"/" != p {
		return refuse("not under the Workspace's path")
	}
	ws, err := s.o.Reader.Workspace(ctx, namespace, name)
	if err != nil || ws == nil {
		return refuse("no such Workspace")
	}
	if !validProbe(s.o.Keys.Probe, tok, ws, s.o.Now()) {
		return refuse("token invalid or expired")
	}
	w.Header().Set(HeaderUser, ProbeUser)
	w.WriteHeader(http.StatusOK)
	return resultProbe
}
