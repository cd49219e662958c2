//go:build e2e

package faults

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

// managerImage is --image: what ingestion pods would run (kwok runs none).
const managerImage = "--image=ghcr.io/weir-dev/weir:faults"

// testKillDuringCreations creates N Runs (half scheduled) and N Workspaces
// (half Stopped) as fast as 16 clients can while the manager is SIGKILLed
// at seeded random points and restarted with the same flags, then waits
// for everything to converge: no duplicate, no orphan, every status
// current.
func testKillDuringCreations(t *testing.T, c *kwok.Cluster) {
	n := envInt(t, "FAULTS_N", 1000)
	kills := envInt(t, "FAULTS_KILLS", 4)
	seed := uint64(time.Now().UnixNano())
	if envInt(t, "FAULTS_SEED", 0) != 0 {
		seed = uint64(envInt(t, "FAULTS_SEED", 0))
	}
	t.Logf("FAULTS_SEED=%d FAULTS_N=%d FAULTS_KILLS=%d (rerun with the same seed for the same kill delays)", seed, n, kills)
	rng := rand.New(rand.NewPCG(seed, 0))

	const ns = "faults-kill"
	c.EnsureNamespace(t, ns)
	m := kwok.StartManager(t, c, kwok.ManagerOptions{
		Args:    []string{managerImage},
		LogPath: filepath.Join(realparts.ArtifactsDir(t), "weir-manager.log"),
	})
	fast, err := fastClient(c.Config)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(c.Context(), envDuration(t, "FAULTS_CREATE_TIMEOUT", 10*time.Minute))
	defer cancel()
	var runsT, wsT tally
	var creating atomic.Bool
	creating.Store(true)
	start := time.Now()
	runErr, wsErr := make(chan error, 1), make(chan error, 1)
	go func() {
		runErr <- createAll(ctx, fast, 8, n, func(i int) client.Object { return newRun(ns, "run", i) }, &runsT)
	}()
	go func() {
		wsErr <- createAll(ctx, fast, 8, n, func(i int) client.Object { return newWorkspace(ns, i) }, &wsT)
	}()

	// The killer: a seeded delay of 0.5–5 s, SIGKILL, 0–3 s down, the same
	// command again; kills after the creations end hit the reconcile backlog.
	var killedDuring int
	bg := &bgT{T: t}
	killer := bg.run(func(b *bgT) {
		for k := 1; k <= kills; k++ {
			delay := 500*time.Millisecond + time.Duration(rng.Int64N(int64(4500*time.Millisecond)))
			down := time.Duration(rng.Int64N(int64(3 * time.Second)))
			time.Sleep(delay)
			during := creating.Load()
			m.Kill(b)
			if during {
				killedDuring++
			}
			b.Logf("kill %d/%d at %5.1fs (after %v; during creations: %v; created so far: %d Runs, %d Workspaces); down %v",
				k, kills, time.Since(start).Seconds(), delay.Round(time.Millisecond), during,
				runsT.created.Load(), wsT.created.Load(), down.Round(time.Millisecond))
			time.Sleep(down)
			t0 := time.Now()
			m.Restart(b)
			b.Logf("restart %d ready in %.1fs", k, time.Since(t0).Seconds())
		}
	})
	errRuns, errWS := <-runErr, <-wsErr
	creating.Store(false)
	created := time.Since(start)
	<-killer
	if t.Failed() {
		t.FailNow()
	}
	if errRuns != nil || errWS != nil {
		t.Fatalf("creating: Runs: %v; Workspaces: %v", errRuns, errWS)
	}
	t.Logf("created in %.1fs: Runs: %v; Workspaces: %v", created.Seconds(), &runsT, &wsT)
	for _, s := range append(runsT.samples, wsT.samples...) {
		t.Logf("  e.g. %s", s)
	}
	if killedDuring == 0 && kills > 0 {
		t.Errorf("every kill came after the creations ended (seed %d): the scenario did not happen; rerun or raise FAULTS_N", seed)
	}

	// Converge: duplicates and orphans fail at once (nothing cures them).
	poll(t, c, envDuration(t, "FAULTS_CONVERGE_TIMEOUT", 10*time.Minute), "Runs and Workspaces converged", func() error {
		rf, err := checkRuns(c.Context(), c.Admin, ns, n)
		if err != nil {
			return err
		}
		wf, err := checkWorkspaces(c.Context(), c.Admin, ns, n)
		if err != nil {
			return err
		}
		if rf.ok() && wf.ok() {
			return nil
		}
		err = fmtErr("Runs: %v\nWorkspaces: %v", rf, wf)
		for _, f := range []*findings{rf, wf} {
			if f.count(problemDuplicate) > 0 || f.count(problemOrphan) > 0 {
				return kwok.Stop(err)
			}
		}
		return err
	})
	t.Logf("converged %.1fs after the first create (%d kills, %d during creations); manager still running: %v",
		time.Since(start).Seconds(), kills, killedDuring, m.Running())
}
