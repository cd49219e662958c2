package runs

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

func isTriggered(run *runsv1.Run) bool {
	return run.Annotations[runsv1.AnnotationTrigger] == "true"
}

// trigger starts a one-off Job now, records it in status and clears the
// annotation, so the next `kubectl annotate` triggers again. The Job name
// carries the second of the trigger: a retry within it finds the Job there.
func (r *Reconciler) trigger(ctx context.Context, run *runsv1.Run, configHash string) (*batchv1.Job, error) {
	now := time.Now()
	job := BuildTriggerJob(run, r.Options, configHash, now)
	if err := r.Create(ctx, job); client.IgnoreAlreadyExists(err) != nil {
		r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, ReasonCreateFailed, "Trigger",
			"trigger Job %s: %v", job.Name, err)
		return nil, creationError(err, job)
	}
	r.Recorder.Eventf(run, job, corev1.EventTypeNormal, ReasonTriggered, "Trigger",
		"manual trigger started Job %s", job.Name)

	// Remove the annotation first: status is written after, from this copy.
	orig := run.DeepCopy()
	delete(run.Annotations, runsv1.AnnotationTrigger)
	if err := r.Patch(ctx, run, client.MergeFrom(orig)); err != nil {
		return job, err
	}
	run.Status.LastTrigger = &runsv1.TriggerStatus{JobName: job.Name, Time: metav1.NewTime(now.Truncate(time.Second))}
	return job, nil
}
