package webhooks

import (
	"sync"
	"time"
)

// recentTTL is how long a positive answer from the API server is reused:
// a SubjectAccessReview that allowed, a Secret or ServiceAccount that
// exists. The two round trips were most of what a Run's create waited for
// at the webhook (docs/performance.md, "Webhook cost"), and a user
// applying Runs asks the same questions again and again. Only "yes" is
// kept: a grant, or a Secret created after a warning, counts at once; a
// revocation or a deletion counts after at most this long, as the API
// server's own webhook authorizer caches allowed answers (for 5 minutes by
// default) and the Run's status re-checks its references at every
// reconcile.
const recentTTL = 10 * time.Second

// recentMax bounds how many answers are kept; past it, expired ones go,
// and if none has, all of them.
const recentMax = 4096

// recent remembers keys that got a "yes", each for recentTTL.
type recent struct {
	mu    sync.Mutex
	until map[string]time.Time
	now   func() time.Time
}

func newRecent() *recent { return &recent{until: map[string]time.Time{}, now: time.Now} }

// has reports whether key got a "yes" less than recentTTL ago.
func (r *recent) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.until[key]
	if ok && r.now().After(t) {
		delete(r.until, key)
		return false
	}
	return ok
}

// yes records key's "yes".
func (r *recent) yes(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if len(r.until) >= recentMax {
		for k, t := range r.until {
			if now.After(t) {
				delete(r.until, k)
			}
		}
		if len(r.until) >= recentMax {
			clear(r.until)
		}
	}
	r.until[key] = now.Add(recentTTL)
}
