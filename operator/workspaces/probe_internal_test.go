package workspaces

import (
	"context"
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// A failing route is probed again after 5 s, then twice as long each
// time, never more than a minute apart.
func TestProbeBackoff(t *testing.T) {
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("failure %d: %v, want %v", i+1, got, w)
		}
	}
}

type scriptedProber struct {
	err   error
	calls int
}

func (p *scriptedProber) Probe(context.Context, *wsv1.Workspace, string) error {
	p.calls++
	return p.err
}

// A route that served is probed again once the interval has passed (not
// sooner, whatever reconciles in between); a failure then goes back to
// the backoff, and a success to the interval.
func TestRouteReprobed(t *testing.T) {
	prober := &scriptedProber{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &Reconciler{Prober: prober}
	r.probes.now = func() time.Time { return now }
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "lab", UID: "uid-1"}}
	const url = "https://ide.example.com/workspaces/team-a/lab/"
	step := func(what string, advance time.Duration, wantCalls int, wantRetry time.Duration, wantErr bool) {
		t.Helper()
		now = now.Add(advance)
		retry, err := r.routeServes(context.Background(), ws, url)
		if prober.calls != wantCalls || retry != wantRetry || (err != nil) != wantErr {
			t.Errorf("%s: %d probes, retry %v, err %v; want %d, %v, error %v", what, prober.calls, retry, err, wantCalls, wantRetry, wantErr)
		}
	}
	step("first probe serves", 0, 1, time.Minute, false)
	step("a reconcile within the interval", 20*time.Second, 1, 40*time.Second, false)
	step("the interval passed", 40*time.Second, 2, time.Minute, false)
	prober.err = errors.New("GET: 502 Bad Gateway")
	step("within the interval the break is not seen", 59*time.Second, 2, time.Second, false)
	step("the re-probe fails", time.Second, 3, 5*time.Second, true)
	step("the backoff", 5*time.Second, 4, 10*time.Second, true)
	prober.err = nil
	step("serves again", 10*time.Second, 5, time.Minute, false)

	r.Options.ReprobeInterval = 3 * time.Second
	step("a shorter interval", 3*time.Second, 6, 3*time.Second, false)
}

// Without a Prober, or a manager, nothing is probed and nothing requeued:
// a cluster without managers is not reconciled periodically.
func TestNoProbeNoRequeue(t *testing.T) {
	ready := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Generation: 1},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, AvailableReplicas: 1}}
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "lab", UID: "uid-1"}}
	m := &wsv1.WorkspaceManager{ObjectMeta: metav1.ObjectMeta{Name: "main"}}
	route := &wsv1.RouteStatus{Kind: KindHTTPRoute, Name: "lab", Manager: "main"}
	const url = "https://ide.example.com/workspaces/team-a/lab/"
	prober := &scriptedProber{}
	for _, c := range []struct {
		what   string
		prober RouteProber
		obs    observed
	}{
		{"no prober", nil, observed{deployment: ready, manager: m, route: route}},
		{"no manager", prober, observed{deployment: ready}},
	} {
		r := &Reconciler{Prober: c.prober}
		if retry := r.probeRoute(context.Background(), ws, url, &c.obs); retry != 0 || c.obs.probed {
			t.Errorf("%s: retry %v, probed %v", c.what, retry, c.obs.probed)
		}
	}
	if prober.calls != 0 {
		t.Errorf("probed %d times", prober.calls)
	}
	r := &Reconciler{Prober: prober}
	obs := observed{deployment: ready, manager: m, route: route}
	if retry := r.probeRoute(context.Background(), ws, url, &obs); retry != DefaultReprobeInterval || !obs.probed || prober.calls != 1 {
		t.Errorf("with both: retry %v, probed %v, %d probes", retry, obs.probed, prober.calls)
	}
}
