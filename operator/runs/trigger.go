package runs

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// Reasons of the Trigger condition.
const (
	ReasonTriggerInvalid = "InvalidTriggerValue"
)

func isTriggered(run *runsv1.Run) bool {
	return run.Annotations[runsv1.AnnotationTrigger] == "true"
}

// trigger starts a one-off Job now, clears the annotation, so the next
// `kubectl annotate` triggers again, and then records the Job in status.
// The Job's name follows from the previous trigger (TriggerJobName): until
// the annotation is cleared and the trigger recorded, every reconcile finds
// the same Job, and only the one that created it says so.
func (r *Reconciler) trigger(ctx context.Context, run *runsv1.Run, pipeline []byte) (*batchv1.Job, error) {
	job := BuildTriggerJob(run, r.Options, pipeline)
	err := r.Create(ctx, job)
	switch {
	case apierrors.IsAlreadyExists(err):
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(job), job); err != nil {
			return nil, err
		}
		if err := mustOwn(run, job); err != nil {
			return nil, err
		}
	case err != nil:
		r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, ReasonCreateFailed, "Trigger",
			"trigger Job %s: %v", job.Name, err)
		return nil, creationError(err, job)
	default:
		r.Recorder.Eventf(run, job, corev1.EventTypeNormal, ReasonTriggered, "Trigger",
			"manual trigger started Job %s", job.Name)
	}

	// Status is written after, from this copy: the patch's answer must
	// not replace what this pass has observed so far.
	status := run.Status.DeepCopy()
	orig := run.DeepCopy()
	delete(run.Annotations, runsv1.AnnotationTrigger)
	err = r.Patch(ctx, run, client.MergeFrom(orig))
	run.Status = *status
	if err != nil {
		return job, err
	}
	run.Status.LastTrigger = &runsv1.TriggerStatus{JobName: job.Name, Time: job.CreationTimestamp}
	return job, nil
}

// checkTriggerValue reports a trigger annotation that is not "true", which
// would otherwise do nothing without a word: Trigger=False and a Warning
// event. The condition goes when the annotation is fixed or removed.
func (r *Reconciler) checkTriggerValue(run *runsv1.Run, before *runsv1.RunStatus) {
	v, ok := run.Annotations[runsv1.AnnotationTrigger]
	if !ok || v == "true" {
		meta.RemoveStatusCondition(&run.Status.Conditions, runsv1.ConditionTrigger)
		return
	}
	c := metav1.Condition{Type: runsv1.ConditionTrigger, Status: metav1.ConditionFalse, Reason: ReasonTriggerInvalid,
		ObservedGeneration: run.Generation,
		Message: fmt.Sprintf("annotation %s is %q, so nothing was started; only \"true\" triggers a Job: "+
			"kubectl annotate run %s -n %s %s=true --overwrite", runsv1.AnnotationTrigger, v,
			run.Name, run.Namespace, runsv1.AnnotationTrigger)}
	if prev := meta.FindStatusCondition(before.Conditions, runsv1.ConditionTrigger); prev == nil || prev.Message != c.Message {
		r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, ReasonTriggerInvalid, "Trigger", "%s", c.Message)
	}
	meta.SetStatusCondition(&run.Status.Conditions, c)
}
