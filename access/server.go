// Package access is Weir's access server: the OIDC login (authorization
// code with PKCE) of a WorkspaceManager's users, their session cookie, and
// the forward-auth endpoint a reverse proxy calls before every request to
// a Workspace. A request is let through when the user holds RBAC's
// create on workspaces/connection in the namespace and package weir.access
// allows it (docs/access.md).
package access

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
)

// AuthPath is the forward-auth endpoint, at the root of the access
// server (the proxy calls it directly, not through a manager's base URL).
const AuthPath = "/_weir/auth"

// Headers the proxy passes on to the Workspace after an allow.
const (
	HeaderUser   = "X-Weir-User"
	HeaderGroups = "X-Weir-Groups"
)

// DefaultRBACTTL is how long a SubjectAccessReview's answer is reused.
// It bounds how late a RoleBinding's removal takes effect: for up to this
// long a user keeps connecting after losing RBAC's permission (and a new
// grant takes as long to be seen). SubjectAccessReviews have no watch, so
// the choice is between this lag and an API call per request.
const DefaultRBACTTL = 30 * time.Second

// DefaultDecisionTTL bounds a cached policy decision even when nothing it
// depends on changed as far as the informers say: a template's default
// ownership, or a policy's data read from elsewhere.
const DefaultDecisionTTL = 5 * time.Minute

// SecretFunc reads one key of a Secret in Weir's namespace, uncached.
type SecretFunc func(ctx context.Context, name, key string) ([]byte, error)

// Options configure a Server.
type Options struct {
	Reader     Reader
	Authorizer Authorizer
	Policy     Policy
	Keys       *Keys
	// ClientSecret reads clientSecretRef; nil: only public clients work.
	ClientSecret SecretFunc
	// HTTPClient talks to identity providers; nil: one with a 10 s timeout.
	HTTPClient *http.Client
	Log        logr.Logger
	// RBACTTL and DecisionTTL: zero means the defaults.
	RBACTTL, DecisionTTL time.Duration
	// MaxCacheEntries bounds each cache; zero means 200,000.
	MaxCacheEntries int
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Activity records the requests let through, for idle shutdown; nil:
	// a log of the server's own.
	Activity *ActivityLog
}

// Server serves login, callback, logout and forward-auth.
type Server struct {
	o        Options
	codec    codec
	rbac     *ttlCache[rbacKey, bool]
	decision *ttlCache[decisionKey, verdict]
	idps     *providers
	activity *ActivityLog

	mu    sync.Mutex // serialises parsing the managers
	sites atomic.Pointer[siteSet]
}

// siteSet is the managers parsed at one ManagersRevision.
type siteSet struct {
	rev   uint64
	sites sites
}

// New checks o and returns a Server.
func New(o Options) (*Server, error) {
	switch {
	case o.Reader == nil:
		return nil, errors.New("access: Options.Reader is required")
	case o.Authorizer == nil:
		return nil, errors.New("access: Options.Authorizer is required")
	case o.Policy == nil:
		return nil, errors.New("access: Options.Policy is required")
	case o.Keys == nil:
		return nil, errors.New("access: Options.Keys is required")
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.RBACTTL <= 0 {
		o.RBACTTL = DefaultRBACTTL
	}
	if o.DecisionTTL <= 0 {
		o.DecisionTTL = DefaultDecisionTTL
	}
	if o.MaxCacheEntries <= 0 {
		o.MaxCacheEntries = 200_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Activity == nil {
		o.Activity = &ActivityLog{}
	}
	s := &Server{
		o:        o,
		codec:    newCodec(o.Keys),
		rbac:     newTTLCache[rbacKey, bool](o.MaxCacheEntries),
		decision: newTTLCache[decisionKey, verdict](o.MaxCacheEntries),
		activity: o.Activity,
	}
	s.idps = newProviders(s)
	return s, nil
}

// ServeHTTP routes /_weir/auth, and <basePath>/_weir/{login,callback,logout}
// of each manager.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == AuthPath && (r.Header.Get("X-Forwarded-Uri") != "" || r.Header.Get("X-Original-URL") != "") {
		s.auth(w, r)
		return
	}
	st := s.currentSites().forPages(requestHost(r), r.URL.Path)
	if st == nil {
		if r.URL.Path == AuthPath {
			// Reached through the public access route, not from the proxy.
			page{Status: http.StatusBadRequest, Title: "Not for browsers",
				Message: "This endpoint answers the reverse proxy's forward-auth requests (with X-Forwarded-Uri, or ingress-nginx's X-Original-URL) only."}.write(w)
			return
		}
		page{Status: http.StatusNotFound, Title: "Not found",
			Message: "No WorkspaceManager serves this address: its spec.baseURL must name this host and path."}.write(w)
		return
	}
	switch strings.TrimPrefix(r.URL.Path, st.pages()) {
	case "login":
		s.login(w, r, st)
	case "callback":
		s.callback(w, r, st)
	case "logout":
		s.logout(w, r, st)
	default:
		page{Status: http.StatusNotFound, Title: "Not found", Message: "The access server serves login, callback and logout here."}.write(w)
	}
}

// requestHost is the host a browser asked for (the proxy's
// X-Forwarded-Host when it sets one).
func requestHost(r *http.Request) string {
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		return anyDefaultPort(h)
	}
	return anyDefaultPort(r.Host)
}

// anyDefaultPort normalises a request's host, whose scheme the proxy may
// not say: without :80 or :443.
func anyDefaultPort(host string) string {
	host = strings.ToLower(host)
	if h, ok := strings.CutSuffix(host, ":443"); ok {
		return h
	}
	if h, ok := strings.CutSuffix(host, ":80"); ok {
		return h
	}
	return host
}

// currentSites parses the managers again when they changed.
func (s *Server) currentSites() sites {
	rev := s.o.Reader.ManagersRevision()
	if cur := s.sites.Load(); cur != nil && cur.rev == rev {
		return cur.sites
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.sites.Load(); cur != nil && cur.rev == rev {
		return cur.sites
	}
	ms, err := s.o.Reader.Managers()
	if err != nil {
		s.o.Log.Error(err, "list WorkspaceManagers")
		if cur := s.sites.Load(); cur != nil {
			return cur.sites
		}
		return nil
	}
	out := make(sites, 0, len(ms))
	for i := range ms {
		st, err := newSite(&ms[i])
		if err != nil {
			s.o.Log.Error(err, "WorkspaceManager left out of the access server")
			continue
		}
		out = append(out, st)
	}
	s.sites.Store(&siteSet{rev: rev, sites: out})
	return out
}
