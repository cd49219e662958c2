package runs

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// Pod counts and the start in a Job's status reconcile nothing; the rest
// of what the reconcile reads does.
func TestJobNews(t *testing.T) {
	base := BuildJob(benchRun(""), benchOptions, []byte("h"))
	now := metav1.NewTime(time.Unix(1700000000, 0))
	counts := base.DeepCopy()
	counts.ResourceVersion = "7"
	counts.Status.Active, counts.Status.Ready = 1, ptr.To[int32](1)
	counts.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{Succeeded: []types.UID{"p"}}
	if jobNews(base, counts) {
		t.Error("pod counts reconciled the Run")
	}
	started := base.DeepCopy()
	started.Status.StartTime = &now
	if jobNews(base, started) {
		t.Error("the start alone reconciled the Run (lastRunTime waits for the next status write)")
	}
	ending := started.DeepCopy()
	ending.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue}}
	if jobNews(started, ending) {
		t.Error("SuccessCriteriaMet, before Complete, reconciled the Run")
	}
	for name, change := range map[string]func(j *batchv1.Job){
		"completionTime": func(j *batchv1.Job) { j.Status.CompletionTime = &now },
		"conditions": func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
		},
		"failure": func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded"}}
		},
		"deletion":    func(j *batchv1.Job) { j.DeletionTimestamp = &now },
		"annotations": func(j *batchv1.Job) { j.Annotations = map[string]string{"x": "y"} },
		"labels":      func(j *batchv1.Job) { j.Labels = map[string]string{"x": "y"} },
		"owners":      func(j *batchv1.Job) { j.OwnerReferences = nil },
	} {
		cur := base.DeepCopy()
		change(cur)
		if !jobNews(base, cur) {
			t.Errorf("a change of %s did not reconcile the Run", name)
		}
	}
}
