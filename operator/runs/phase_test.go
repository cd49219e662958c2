package runs

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// A blocked Run never reads healthy, whatever its Jobs say.
func TestPhaseOf(t *testing.T) {
	scheduled := &runsv1.Run{Spec: runsv1.RunSpec{Schedule: "@hourly"}}
	suspended := &runsv1.Run{Spec: runsv1.RunSpec{Schedule: "@hourly", Suspend: ptr.To(true)}}
	once := &runsv1.Run{}
	running := observed{active: []corev1.ObjectReference{{Name: "j"}}}
	failed := observed{lastFailure: "Job j failed"}
	for _, c := range []struct {
		name    string
		run     *runsv1.Run
		o       observed
		hasJob  bool
		blocked bool
		want    runsv1.RunPhase
	}{
		{"scheduled", scheduled, observed{}, false, false, runsv1.PhaseScheduled},
		{"scheduled, blocked", scheduled, observed{}, false, true, runsv1.PhaseBlocked},
		{"idle", once, observed{}, false, false, runsv1.PhaseIdle},
		{"idle, blocked", once, observed{}, false, true, runsv1.PhaseBlocked},
		{"succeeded", once, observed{}, true, false, runsv1.PhaseSucceeded},
		{"succeeded, blocked", once, observed{}, true, true, runsv1.PhaseBlocked},
		{"running, blocked", once, running, true, true, runsv1.PhaseBlocked},
		{"suspended, blocked", suspended, observed{}, false, true, runsv1.PhaseBlocked},
		{"running", once, running, true, false, runsv1.PhaseRunning},
		{"failed", once, failed, true, false, runsv1.PhaseFailed},
		{"suspended", suspended, observed{}, false, false, runsv1.PhaseSuspended},
	} {
		if got := phaseOf(c.run, c.o, c.hasJob, c.blocked); got != c.want {
			t.Errorf("%s: phase %s, want %s", c.name, got, c.want)
		}
	}
}
