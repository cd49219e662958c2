package access

import (
	"sync"
	"time"
)

// ActivityLog remembers, per Workspace, when the access server last let a
// user's request through to it: the idle shutdown's view of the traffic
// that reaches a Workspace through its route. Probes are not activity (the
// controller's own requests would keep every Workspace running). It is in
// memory only: a restarted manager knows nothing until the next request,
// which the controller allows for (operator/workspaces/idle.go).
type ActivityLog struct {
	mu sync.RWMutex
	m  map[activityKey]time.Time
}

type activityKey struct{ namespace, name string }

// activityGrain: a request less than this after the last one recorded
// only reads, so a busy Workspace's requests do not contend on the lock.
const activityGrain = time.Second

// Seen records a request to Workspace namespace/name at t.
func (a *ActivityLog) Seen(namespace, name string, t time.Time) {
	k := activityKey{namespace, name}
	a.mu.RLock()
	last, ok := a.m[k]
	a.mu.RUnlock()
	if ok && t.Sub(last) < activityGrain {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[activityKey]time.Time{}
	}
	if t.After(a.m[k]) {
		a.m[k] = t
	}
}

// LastSeen is when a request to Workspace namespace/name was last let
// through; false when none was since the server started.
func (a *ActivityLog) LastSeen(namespace, name string) (time.Time, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	t, ok := a.m[activityKey{namespace, name}]
	return t, ok
}

// LastSeen is when the server last let a user's request through to
// Workspace namespace/name (workspaces.Activity).
func (s *Server) LastSeen(namespace, name string) (time.Time, bool) {
	return s.activity.LastSeen(namespace, name)
}

// seen records an allowed request of a user (not a probe).
func (s *Server) seen(namespace, name string) { s.activity.Seen(namespace, name, s.o.Now()) }
