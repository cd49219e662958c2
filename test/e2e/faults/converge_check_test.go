//go:build e2e

package faults

import (
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/runs"
)

// TestCheckRunsFindsWhatItLooksFor: the convergence check of the fault
// tests can fail. A converged pair of Runs passes; a second CronJob, a
// Job without an owner and a stale status are each reported.
func TestCheckRunsFindsWhatItLooksFor(t *testing.T) {
	const ns = "check"
	ctx := context.Background()
	sched, oneOff := newRun(ns, "r", 0), newRun(ns, "r", 1)
	sched.UID, oneOff.UID = types.UID("u0"), types.UID("u1")
	objs := []client.Object{sched, oneOff}
	for _, r := range []*runsv1.Run{sched, oneOff} {
		r.Generation = 1
		r.Status.ObservedGeneration = 1
		r.Status.Phase = runsv1.PhaseScheduled
		r.Status.Conditions = []metav1.Condition{{Type: runsv1.ConditionReady, Status: metav1.ConditionTrue, Reason: "R", ObservedGeneration: 1}}
	}
	objs = append(objs, child(&batchv1.CronJob{}, sched, runs.CronJobName(sched), runs.KindScheduled),
		child(&batchv1.Job{}, oneOff, runs.JobName(oneOff), runs.KindOneOff))
	c := fake.NewClientBuilder().WithScheme(manager.Scheme()).WithObjects(objs...).Build()
	f, err := checkRuns(ctx, c, ns, 2)
	if err != nil || !f.ok() {
		t.Fatalf("converged Runs: %v, %v", err, f)
	}

	dup := child(&batchv1.CronJob{}, sched, "r-00000-again", runs.KindScheduled)
	orphan := child(&batchv1.Job{}, oneOff, "stray", runs.KindOneOff)
	orphan.SetOwnerReferences(nil)
	stale := oneOff.DeepCopy()
	stale.Generation = 2 // the fake client keeps what it is given
	for _, o := range []client.Object{dup, orphan} {
		if err := c.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Update(ctx, stale); err != nil {
		t.Fatal(err)
	}
	f, err = checkRuns(ctx, c, ns, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{problemDuplicate, problemOrphan, problemStatus} {
		if f.count(p) != 1 {
			t.Errorf("%s: %d, want 1; found: %v", p, f.count(p), f)
		}
	}
}

// child is o named name in r's namespace, labelled and controlled as the
// Run controller makes its children.
func child[T client.Object](o T, r *runsv1.Run, name, kind string) T {
	o.SetName(name)
	o.SetNamespace(r.Namespace)
	l := map[string]string{runsv1.LabelManagedBy: runsv1.ManagedBy, runsv1.LabelRun: r.Name}
	if kind != "" {
		l[runsv1.LabelJobKind] = kind
	}
	o.SetLabels(l)
	o.SetOwnerReferences([]metav1.OwnerReference{*metav1.NewControllerRef(r, runsv1.GroupVersion.WithKind("Run"))})
	return o
}
