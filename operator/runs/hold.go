package runs

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// annotationHeld on a CronJob says hold suspended it, so it is resumed
// (its spec rewritten from the Run) once the policies allow the Run.
const annotationHeld = "runs.marmotdata.io/held"

// Events of a denied Run's children.
const (
	ReasonHeld    = "Held"
	ReasonResumed = "Resumed"
)

// hold stops new ingestion of a Run the policies deny: its CronJob is
// suspended and a Job that has not started is deleted (the Run's own Job is
// made again once it is allowed). Jobs already running are left to finish,
// as a suspended CronJob leaves them. It returns, for the Valid and Ready
// conditions, what is held; each deletion has a Held event.
func (r *Reconciler) hold(ctx context.Context, run *runsv1.Run) (string, error) {
	held := "Held: no Job is started (a trigger waits) until the policies allow the Run; Jobs already running are left to finish"
	cron := &batchv1.CronJob{}
	err := r.Get(ctx, client.ObjectKey{Namespace: run.Namespace, Name: CronJobName(run)}, cron)
	switch {
	case apierrors.IsNotFound(err):
		if run.Spec.Schedule != "" {
			held = "Held: no CronJob is made and no Job is started (a trigger waits) until the policies allow the Run"
		}
	case err != nil:
		return held, err
	case mustOwn(run, cron) == nil:
		held = fmt.Sprintf("Held: CronJob %s is suspended and no Job is started (a trigger waits) until the policies allow the Run; "+
			"Jobs already running are left to finish", cron.Name)
		if err := r.suspend(ctx, cron); err != nil {
			return held, err
		}
	}
	return held, r.deletePending(ctx, run)
}

// suspend marks the CronJob as held and suspends it.
func (r *Reconciler) suspend(ctx context.Context, cron *batchv1.CronJob) error {
	if cron.Annotations[annotationHeld] != "" && ptr.Deref(cron.Spec.Suspend, false) {
		return nil
	}
	orig := cron.DeepCopy()
	if cron.Annotations == nil {
		cron.Annotations = map[string]string{}
	}
	cron.Annotations[annotationHeld] = ReasonPolicyDenied
	cron.Spec.Suspend = ptr.To(true)
	return client.IgnoreNotFound(r.Patch(ctx, cron, client.MergeFrom(orig)))
}

// deletePending deletes the Run's ingestion Jobs that have not started.
func (r *Reconciler) deletePending(ctx context.Context, run *runsv1.Run) error {
	jobs, err := r.listJobs(ctx, run)
	if err != nil {
		return err
	}
	for i := range jobs.Items {
		j := &jobs.Items[i]
		if j.Labels[runsv1.LabelJobKind] == KindTeardown || j.DeletionTimestamp != nil || j.Status.StartTime != nil {
			continue
		}
		if out, _ := outcomeOf(j); out != jobActive || mustOwnJob(run, j) != nil {
			continue
		}
		err := r.Delete(ctx, j, client.PropagationPolicy(metav1.DeletePropagationBackground),
			client.Preconditions{UID: &j.UID})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			continue // gone, or started and replaced meanwhile
		}
		if err != nil {
			return err
		}
		r.Recorder.Eventf(run, j, corev1.EventTypeWarning, ReasonHeld, "Hold",
			"Job %s had not started and was deleted: the policies deny the Run", j.Name)
	}
	return nil
}

// mustOwnJob: a Job is the Run's when the Run or the Run's CronJob controls it.
func mustOwnJob(run *runsv1.Run, j *batchv1.Job) error {
	if ref := metav1.GetControllerOf(j); ref != nil && ref.Kind == "CronJob" && ref.Name == CronJobName(run) {
		return nil
	}
	return mustOwn(run, j)
}
