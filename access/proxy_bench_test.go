package access

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-dev/weir/test/realparts"
)

// proxyConcurrency is how many keep-alive clients send requests at once.
const proxyConcurrency = 8

// upstreamBody stands in for a small Jupyter answer (an API call's JSON,
// a redirect page): a few hundred bytes, so the figures are the proxy's
// and the access check's, not the copying.
var upstreamBody = []byte("<!doctype html><html><head><title>tree</title></head><body>" +
	strings.Repeat("<p>notebook.ipynb</p>", 16) + "</body></html>")

// proxyResult is one reported run of a sub-benchmark, for the on/off
// comparison.
type proxyResult struct{ p50, p99, rps float64 }

// medianResult is the median of each figure over runs (-count).
func medianResult(runs []proxyResult) proxyResult {
	med := func(f func(proxyResult) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return proxyResult{
		p50: med(func(r proxyResult) float64 { return r.p50 }),
		p99: med(func(r proxyResult) float64 { return r.p99 }),
		rps: med(func(r proxyResult) float64 { return r.rps }),
	}
}

// BenchmarkProxyAuth measures requests to a Workspace through the real
// proxy (Caddy, test/realparts) to a small upstream: auth=off is the route
// alone; auth=on puts forward_auth to Weir's access server in front, served
// over HTTP as the manager serves it, deciding from 1,000 Workspaces and
// 5,000 shares with the default Rego bundle and real session cookies. Every
// request is one a user may make (200), with its decision cached, as for a
// browser working in its notebook. proxyConcurrency keep-alive clients;
// reports p50 and p99 latency and requests/s; the parent prints the medians
// over -count, the on/off ratios and the added milliseconds. Figures are reported, never asserted.
func BenchmarkProxyAuth(b *testing.B) {
	var upstreamCalls, upstreamWithUser atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamCalls.Add(1)
		if r.Header.Get(HeaderUser) != "" {
			upstreamWithUser.Add(1)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(upstreamBody)
	}))
	b.Cleanup(upstream.Close)

	caddy := realparts.StartCaddy(b)

	// The benchmark's state, with its manager at Caddy's address, which is
	// what the proxy forwards as X-Forwarded-Host.
	ts := benchState(b)
	ts.reader.mu.Lock()
	ts.reader.managers = append(ts.reader.managers[:0:0], testManager("default", "http://"+caddy.Addr+"/lab"))
	ts.reader.mu.Unlock()
	ts.reader.managerRev.Add(1)

	var authCalls atomic.Int64
	accessSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == AuthPath {
			authCalls.Add(1)
		}
		ts.ServeHTTP(w, r)
	}))
	// As operator/manager/access.go serves it.
	accessSrv.Config.ReadHeaderTimeout, accessSrv.Config.IdleTimeout = 10*time.Second, 2*time.Minute
	accessSrv.Start()
	b.Cleanup(accessSrv.Close)

	// Requests users may make: 300 sessions on random Workspaces, each
	// asked of the access server once (which warms its caches) and kept
	// if allowed.
	rnd := rand.New(rand.NewPCG(3, 4))
	sessions := make([]*http.Cookie, 300)
	for i := range sessions {
		sessions[i] = ts.sessionCookie(b, fmt.Sprintf("user-%d", i), "staff")
	}
	type target struct {
		uri    string
		cookie *http.Cookie
	}
	var targets []target
	for len(targets) < 2000 {
		i := rnd.IntN(1000)
		t := target{nbURI(fmt.Sprintf("team-%d", i%20), fmt.Sprintf("nb-%d", i)), sessions[rnd.IntN(len(sessions))]}
		if rec := ts.do(authRequest(caddy.Addr, t.uri, t.cookie)); rec.Code == http.StatusOK {
			targets = append(targets, t)
		} else if rec.Code != http.StatusForbidden {
			b.Fatalf("forward-auth for %s: status %d, want 200 or 403; body:\n%s", t.uri, rec.Code, rec.Body)
		}
	}
	reqs := make([]*http.Request, len(targets))
	for i, t := range targets {
		r, err := http.NewRequest(http.MethodGet, caddy.URL+t.uri, nil)
		if err != nil {
			b.Fatal(err)
		}
		r.Header.Set("Accept", "text/html,application/xhtml+xml")
		r.AddCookie(t.cookie)
		reqs[i] = r
	}

	routes := map[bool][]realparts.Route{
		false: {{PathPrefix: "/lab/workspaces/", Upstream: strings.TrimPrefix(upstream.URL, "http://")}},
		true: {{PathPrefix: "/lab/workspaces/", Upstream: strings.TrimPrefix(upstream.URL, "http://"),
			ForwardAuth: strings.TrimPrefix(accessSrv.URL, "http://"), AuthURI: AuthPath,
			CopyHeaders: []string{HeaderUser, HeaderGroups}}},
	}
	loaded := -1 // 0 off, 1 on
	results := map[bool][]proxyResult{}
	for _, auth := range []bool{false, true} {
		name := map[bool]string{false: "auth=off", true: "auth=on"}[auth]
		b.Run(name, func(b *testing.B) {
			if want := map[bool]int{false: 0, true: 1}[auth]; loaded != want {
				caddy.Load(b, routes[auth])
				loaded = want
			}
			// One client per worker, so each keeps its own connection.
			clients := make([]*http.Client, proxyConcurrency)
			for i := range clients {
				clients[i] = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
				b.Cleanup(clients[i].CloseIdleConnections)
			}
			// Warm-up: connections open, Caddy's upstream pools filled.
			if err := proxyRun(clients, reqs, proxyConcurrency*20, nil); err != nil {
				b.Fatal(err)
			}
			auth0, up0, user0 := authCalls.Load(), upstreamCalls.Load(), upstreamWithUser.Load()
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			start := time.Now()
			err := proxyRun(clients, reqs, b.N, lat)
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			// The route really was (or was not) behind forward-auth.
			n := int64(b.N)
			wantAuth, wantUser := int64(0), int64(0)
			if auth {
				wantAuth, wantUser = n, n
			}
			if got := authCalls.Load() - auth0; got != wantAuth {
				b.Fatalf("%s: the access server was asked %d times for %d requests, want %d", name, got, n, wantAuth)
			}
			if got, user := upstreamCalls.Load()-up0, upstreamWithUser.Load()-user0; got != n || user != wantUser {
				b.Fatalf("%s: the upstream got %d requests (%d with %s) for %d sent, want %d with the user header",
					name, got, user, HeaderUser, n, wantUser)
			}
			slices.Sort(lat)
			r := proxyResult{p50: float64(lat[len(lat)/2]), p99: float64(lat[len(lat)*99/100]), rps: float64(b.N) / elapsed.Seconds()}
			b.ReportMetric(r.p50, "p50-ns")
			b.ReportMetric(r.p99, "p99-ns")
			b.ReportMetric(r.rps, "req/s")
			// Each -count round starts at b.N == 1 and reports its last call.
			if b.N == 1 || len(results[auth]) == 0 {
				results[auth] = append(results[auth], r)
			} else {
				results[auth][len(results[auth])-1] = r
			}
		})
	}
	if len(results[false]) > 0 && len(results[true]) > 0 {
		off, on := medianResult(results[false]), medianResult(results[true])
		// Printed, not logged: a parent benchmark's log shows with -v only.
		// No line starts with Benchmark, so benchstat reads past them.
		fmt.Printf("proxy auth, medians of %d/%d runs at %d clients: off p50 %.3f ms p99 %.3f ms %.0f req/s; on p50 %.3f ms p99 %.3f ms %.0f req/s\n",
			len(results[false]), len(results[true]), proxyConcurrency, off.p50/1e6, off.p99/1e6, off.rps, on.p50/1e6, on.p99/1e6, on.rps)
		fmt.Printf("proxy auth on/off: p50 x%.2f (+%.3f ms), p99 x%.2f (+%.3f ms), req/s x%.2f\n",
			on.p50/off.p50, (on.p50-off.p50)/1e6, on.p99/off.p99, (on.p99-off.p99)/1e6, on.rps/off.rps)
	}
}

// proxyRun sends n requests (reqs in turn) from one goroutine per client,
// each waiting for its answer, read to the end, before the next; lat, if
// not nil, gets each request's latency. Any answer but 200 with the
// upstream's body is an error.
func proxyRun(clients []*http.Client, reqs []*http.Request, n int, lat []time.Duration) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for w, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || errs[w] != nil {
					return
				}
				// A copy: one request must not be in flight twice.
				req := reqs[i%len(reqs)].Clone(context.Background())
				t0 := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					errs[w] = err
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if lat != nil {
					lat[i] = time.Since(t0)
				}
				if err != nil {
					errs[w] = err
				} else if resp.StatusCode != http.StatusOK || len(body) != len(upstreamBody) {
					errs[w] = fmt.Errorf("GET %s: status %d, %d bytes, want 200 with the upstream's %d bytes; body:\n%.500s",
						req.URL, resp.StatusCode, len(body), len(upstreamBody), body)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
