package manager

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authenticationv1 "k8s.io/client-go/kubernetes/typed/authentication/v1"
	authorizationv1 "k8s.io/client-go/kubernetes/typed/authorization/v1"
	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// metricsAuth is the secure metrics endpoint's filter: the API server
// authenticates a request's bearer token (TokenReview) and authorizes its
// user for the request's verb and path (SubjectAccessReview of a
// non-resource URL), as controller-runtime's
// filters.WithAuthenticationAndAuthorization does, with the same answers
// (401 without a valid token, 403 when not allowed, 500 when the API server
// cannot say) and caches (an authenticated token for a minute, an allowed
// request for five, a denied one for 30 s). That filter links
// k8s.io/apiserver, and with it CEL, gRPC and OpenTelemetry: ~10 MB of
// code whose package initialisers alone cost the idle manager resident
// pages (docs/performance.md, "Manager memory").
func metricsAuth(cfg *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
	authn, err := authenticationv1.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	authz, err := authorizationv1.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	a := &reviewer{
		tokens: authn.TokenReviews(), access: authz.SubjectAccessReviews(),
		users: ttlCache[authnv1.UserInfo]{ttl: time.Minute},
		allow: ttlCache[bool]{ttl: 5 * time.Minute}, deny: ttlCache[bool]{ttl: 30 * time.Second},
	}
	return a.filter, nil
}

type reviewer struct {
	tokens interface {
		Create(context.Context, *authnv1.TokenReview, metav1.CreateOptions) (*authnv1.TokenReview, error)
	}
	access interface {
		Create(context.Context, *authzv1.SubjectAccessReview, metav1.CreateOptions) (*authzv1.SubjectAccessReview, error)
	}
	users       ttlCache[authnv1.UserInfo]
	allow, deny ttlCache[bool]
}

// reviewTimeout bounds each review: a scrape waits for it.
const reviewTimeout = 10 * time.Second

func (a *reviewer) filter(log logr.Logger, next http.Handler) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		token, ok := bearerToken(req)
		if !ok {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		user, ok, err := a.authenticate(req.Context(), token)
		if err != nil {
			log.Error(err, "Authentication failed")
			http.Error(w, "Authentication failed", http.StatusInternalServerError)
			return
		}
		if !ok {
			log.V(4).Info("Authentication failed")
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		verb, path := strings.ToLower(req.Method), req.URL.Path
		allowed, err := a.authorize(req.Context(), user, verb, path)
		if err != nil {
			msg := fmt.Sprintf("Authorization for user %s failed", user.Username)
			log.Error(err, msg)
			http.Error(w, msg, http.StatusInternalServerError)
			return
		}
		if !allowed {
			log.V(4).Info("Authorization denied", "user", user.Username, "verb", verb, "path", path)
			http.Error(w, fmt.Sprintf("Authorization denied for user %s", user.Username), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, req)
	}), nil
}

// bearerToken is the request's "Authorization: Bearer" token.
func bearerToken(req *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(req.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", false
	}
	return token, true
}

func (a *reviewer) authenticate(ctx context.Context, token string) (authnv1.UserInfo, bool, error) {
	// Keyed by the token's digest: the cache holds no credentials.
	sum := sha256.Sum256([]byte(token))
	key := string(sum[:])
	if u, ok := a.users.get(key); ok {
		return u, true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, reviewTimeout)
	defer cancel()
	r, err := a.tokens.Create(ctx, &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil {
		return authnv1.UserInfo{}, false, fmt.Errorf("TokenReview: %w", err)
	}
	if !r.Status.Authenticated {
		return authnv1.UserInfo{}, false, nil
	}
	a.users.put(key, r.Status.User)
	return r.Status.User, true, nil
}

func (a *reviewer) authorize(ctx context.Context, u authnv1.UserInfo, verb, path string) (bool, error) {
	key := strings.Join([]string{u.Username, u.UID, strings.Join(u.Groups, ","), verb, path}, "\x00")
	if _, ok := a.allow.get(key); ok {
		return true, nil
	}
	if _, ok := a.deny.get(key); ok {
		return false, nil
	}
	extra := map[string]authzv1.ExtraValue{}
	for k, v := range u.Extra {
		extra[k] = authzv1.ExtraValue(v)
	}
	ctx, cancel := context.WithTimeout(ctx, reviewTimeout)
	defer cancel()
	r, err := a.access.Create(ctx, &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User: u.Username, UID: u.UID, Groups: u.Groups, Extra: extra,
		NonResourceAttributes: &authzv1.NonResourceAttributes{Path: path, Verb: verb},
	}}, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("SubjectAccessReview: %w", err)
	}
	if r.Status.Allowed && !r.Status.Denied {
		a.allow.put(key, true)
		return true, nil
	}
	a.deny.put(key, true)
	return false, nil
}

// ttlCache keeps values for ttl; a few scrapers use it, so it is small,
// and it is emptied when it reaches maxCached entries rather than grown.
type ttlCache[V any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cached[V]
}

type cached[V any] struct {
	v       V
	expires time.Time
}

const maxCached = 1024

func (c *ttlCache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]cached[V]{}
	}
	c.m[k] = cached[V]{v: v, expires: time.Now().Add(c.ttl)}
}
