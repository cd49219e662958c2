package workspaces

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// RouteProber checks that a Workspace's IDE answers at its URL, through
// the proxy and its route: nil when it did (2xx or 3xx from the IDE).
// The access server implements it with a short-lived probe token the
// forward-auth endpoint accepts for that Workspace's own path only.
type RouteProber interface {
	Probe(ctx context.Context, ws *wsv1.Workspace, url string) error
}

// ReasonRouteNotServing (Available=False): the pod is ready, but its URL
// does not serve the IDE (the proxy has not loaded the route yet, the
// Gateway refuses it, the route broke later); the message has the
// probe's error.
const ReasonRouteNotServing = "RouteNotServing"

const (
	// probeTimeout bounds one probe, so a proxy that hangs does not hold
	// a worker.
	probeTimeout = 5 * time.Second
	// probeFirstRetry, doubled after each failure up to probeMaxRetry, is
	// when a failed probe is tried again.
	probeFirstRetry = 5 * time.Second
	probeMaxRetry   = 60 * time.Second
	// DefaultReprobeInterval is how often a route that served is probed
	// again, so one that breaks later turns Available False.
	DefaultReprobeInterval = 60 * time.Second
)

// probes remembers, per Workspace, the last probe since its pod became
// ready: a success at a URL is not probed again before the re-probe
// interval (other reconciles reuse it; an unchanged answer writes
// nothing); failures count for the backoff. A pod that stops being
// ready, or a new URL, forgets it.
type probes struct {
	mu sync.Mutex
	m  map[types.NamespacedName]probeRecord
	// now is the clock (nil: time.Now), set by tests.
	now func() time.Time
}

type probeRecord struct {
	uid      types.UID
	url      string
	ok       bool
	at       time.Time // of the last probe
	failures int
}

// routeServes probes the Workspace's URL unless it served there less than
// the re-probe interval ago. It returns when to probe again (after a
// success, the interval; after a failure, the backoff) and the probe's
// error.
func (r *Reconciler) routeServes(ctx context.Context, ws *wsv1.Workspace, url string) (time.Duration, error) {
	key := types.NamespacedName{Namespace: ws.Namespace, Name: ws.Name}
	p := &r.probes
	p.mu.Lock()
	rec := p.m[key]
	p.mu.Unlock()
	if rec.uid != ws.UID || rec.url != url {
		rec = probeRecord{}
	}
	every := r.reprobeInterval()
	if since := p.clock().Sub(rec.at); rec.ok && since >= 0 && since < every {
		return every - since, nil
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	err := r.Prober.Probe(pctx, ws, url)
	cancel()
	failures := rec.failures
	rec = probeRecord{uid: ws.UID, url: url, ok: err == nil, at: p.clock()}
	retry := every
	if err != nil {
		rec.failures = failures + 1
		retry = backoff(rec.failures)
	}
	p.set(key, rec)
	return retry, err
}

func (r *Reconciler) reprobeInterval() time.Duration {
	if d := r.Options.ReprobeInterval; d > 0 {
		return d
	}
	return DefaultReprobeInterval
}

func (p *probes) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

// forgetProbe drops what is known of a Workspace's route: its pod is not
// ready (or it is gone), so the next ready pod is probed again.
func (r *Reconciler) forgetProbe(key types.NamespacedName) {
	r.probes.mu.Lock()
	delete(r.probes.m, key)
	r.probes.mu.Unlock()
}

func (p *probes) set(key types.NamespacedName, rec probeRecord) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[types.NamespacedName]probeRecord{}
	}
	p.m[key] = rec
}

// backoff is the wait after the n-th failed probe in a row: 5 s, 10 s,
// 20 s, 40 s, then 60 s.
func backoff(n int) time.Duration {
	d := probeFirstRetry
	for i := 1; i < n && d < probeMaxRetry; i++ {
		d *= 2
	}
	return min(d, probeMaxRetry)
}

// probeRoute probes a running Workspace's URL through its route once its
// pod is ready, when there is a Prober and a manager made the route, and
// again every re-probe interval while it serves. It returns when to probe
// again (0: never; so Workspaces without a manager or a Prober are not
// requeued).
func (r *Reconciler) probeRoute(ctx context.Context, ws *wsv1.Workspace, url string, obs *observed) time.Duration {
	key := types.NamespacedName{Namespace: ws.Namespace, Name: ws.Name}
	if r.Prober == nil || obs.manager == nil || obs.route == nil || url == "" || !podReady(obs.deployment) {
		r.forgetProbe(key)
		return 0
	}
	retry, err := r.routeServes(ctx, ws, url)
	obs.probed, obs.probeErr = true, err
	return retry
}
