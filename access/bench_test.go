package access

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// benchState is 1,000 Workspaces (every other one OwnerOnly) and 5,000
// WorkspaceShares (ten per OwnerOnly Workspace) in the reader the server
// decides from.
func benchState(b *testing.B) *testServer {
	b.Helper()
	ts := newTestServer(b)
	ts.o.Log = ts.o.Log.V(10) // quiet
	for i := range 1000 {
		own := wsv1.OwnershipPublic
		if i%2 == 0 {
			own = wsv1.OwnershipOwnerOnly
		}
		ns := fmt.Sprintf("team-%d", i%20)
		ts.reader.putWorkspace(workspace(ns, fmt.Sprintf("nb-%d", i), fmt.Sprintf("user-%d", i%300), own))
		if own == wsv1.OwnershipOwnerOnly {
			for j := range 10 {
				ts.reader.putShare(share(ns, fmt.Sprintf("s-%d-%d", i, j), fmt.Sprintf("nb-%d", i), user(fmt.Sprintf("user-%d", (i+j*31)%300))))
			}
		}
	}
	return ts
}

// benchRequest is one prepared forward-auth request: Workspace i, as
// session c.
func benchRequest(i int, c *http.Cookie) *http.Request {
	return authRequest(host, nbURI(fmt.Sprintf("team-%d", i%20), fmt.Sprintf("nb-%d", i)), c)
}

// nullWriter is a ResponseWriter that keeps the status only.
type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nullWriter) WriteHeader(c int)           { w.code = c }

// runParallel serves reqs (in turn) from parallel goroutines and reports
// decisions/s and the 99th percentile latency.
func runParallel(b *testing.B, ts *testServer, reqs []*http.Request) {
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var bad atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		lat := make([]time.Duration, 0, 1024)
		w := &nullWriter{h: http.Header{}}
		for pb.Next() {
			r := reqs[int(next.Add(1)-1)%len(reqs)]
			clear(w.h)
			t0 := time.Now()
			ts.ServeHTTP(w, r)
			lat = append(lat, time.Since(t0))
			if w.code != http.StatusOK && w.code != http.StatusForbidden {
				bad.Add(1)
			}
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if n := bad.Load(); n > 0 {
		b.Fatalf("%d answers were neither 200 nor 403", n)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100]), "p99-ns")
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "decisions/s")
}

// BenchmarkForwardAuth measures the forward-auth endpoint with 1,000
// Workspaces and 5,000 shares loaded: warm (the decision and RBAC are
// cached: a cookie decode and map lookups) and cold (every request a new
// session and Workspace pair: a Rego evaluation, with the input built
// from the reader).
func BenchmarkForwardAuth(b *testing.B) {
	b.Run("warm", func(b *testing.B) {
		ts := benchState(b)
		rnd := rand.New(rand.NewPCG(1, 2))
		sessions := make([]*http.Cookie, 300)
		for i := range sessions {
			sessions[i] = ts.sessionCookie(b, fmt.Sprintf("user-%d", i), "staff")
		}
		reqs := make([]*http.Request, 5000)
		w := &nullWriter{h: http.Header{}}
		for i := range reqs {
			reqs[i] = benchRequest(rnd.IntN(1000), sessions[rnd.IntN(len(sessions))])
			ts.ServeHTTP(w, reqs[i]) // warm the caches
		}
		before := ts.policy.calls.Load()
		runParallel(b, ts, reqs)
		if n := ts.policy.calls.Load() - before; n > 0 {
			b.Fatalf("warm requests evaluated Rego %d times", n)
		}
	})
	b.Run("cold", func(b *testing.B) {
		ts := benchState(b)
		// One new session per 1,000 requests: every (session, Workspace)
		// pair is asked once, so every request misses the decision cache.
		reqs := make([]*http.Request, 0, b.N)
		for s := 0; len(reqs) < b.N; s++ {
			c := ts.sessionCookie(b, fmt.Sprintf("user-%d", s%300), "staff")
			for i := 0; i < 1000 && len(reqs) < b.N; i++ {
				reqs = append(reqs, benchRequest(i, c))
			}
		}
		before := ts.policy.calls.Load()
		runParallel(b, ts, reqs)
		if n := ts.policy.calls.Load() - before; n != int64(b.N) {
			b.Fatalf("%d Rego evaluations for %d cold requests", n, b.N)
		}
	})
}
