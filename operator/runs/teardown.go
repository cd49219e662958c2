package runs

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/status"
)

// reconcileDelete runs the teardown Job of a deleted Run and lets the Run go
// only once it has succeeded, so assets are never orphaned in Marmot by
// accident. A failed teardown keeps the Run, says why and how to force it.
func (r *Reconciler) reconcileDelete(ctx context.Context, run *runsv1.Run) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(run, runsv1.Finalizer) {
		return ctrl.Result{}, nil
	}
	if !run.Spec.TearsDown() || run.Annotations[runsv1.AnnotationSkipTeardown] == "true" {
		// Said and counted once the Run is let go: a retry would repeat them.
		if err := r.removeFinalizer(ctx, run); err != nil {
			return ctrl.Result{}, err
		}
		r.Recorder.Eventf(run, nil, corev1.EventTypeNormal, ReasonTeardownSkipped, "Teardown",
			"teardown skipped; the pipeline's assets stay in Marmot")
		teardowns.WithLabelValues(outcomeSkipped).Inc()
		return ctrl.Result{}, nil
	}
	// No ingestion may run while, or after, the assets are destroyed.
	if err := r.stopIngestion(ctx, run); err != nil {
		return ctrl.Result{}, err
	}
	orig := run.DeepCopy() // as read, for the status patch
	before := &orig.Status
	cond, done, err := r.runTeardown(ctx, run)
	if err != nil {
		return ctrl.Result{}, err
	}
	if done {
		if err := r.removeFinalizer(ctx, run); err != nil {
			return ctrl.Result{}, err
		}
		r.Recorder.Eventf(run, nil, corev1.EventTypeNormal, ReasonTeardownSucceeded, "Teardown",
			"teardown Job %s succeeded; the pipeline's assets were removed from Marmot", TeardownJobName(run))
		teardowns.WithLabelValues(outcomeSucceeded).Inc()
		return ctrl.Result{}, nil
	}
	prev := meta.FindStatusCondition(before.Conditions, runsv1.ConditionTeardown)
	if cond.Reason == ReasonTeardownFailed && (prev == nil || prev.Reason != ReasonTeardownFailed) {
		r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, ReasonTeardownFailed, "Teardown", "%s", cond.Message)
		teardowns.WithLabelValues(outcomeFailed).Inc()
	}
	meta.SetStatusCondition(&run.Status.Conditions, cond)
	ready := cond
	ready.Type, ready.Status = runsv1.ConditionReady, metav1.ConditionFalse
	meta.SetStatusCondition(&run.Status.Conditions, ready)
	run.Status.Active = nil
	if cond.Reason == ReasonTeardownFailed {
		run.Status.Phase = runsv1.PhaseFailed
	} else {
		run.Status.Phase = runsv1.PhaseRunning
	}
	_, err = status.Patch(ctx, r.Client, run, orig)
	return ctrl.Result{}, err
}

// runTeardown makes sure the teardown Job exists and reports where it stands.
func (r *Reconciler) runTeardown(ctx context.Context, run *runsv1.Run) (metav1.Condition, bool, error) {
	cond := metav1.Condition{Type: runsv1.ConditionTeardown, ObservedGeneration: run.Generation}
	// Destroying runs no source, so the plugins are not rendered: a Run
	// naming a SourcePlugin that is gone can still be torn down.
	pipeline, err := RenderPipeline(run, nil)
	if err != nil {
		cond.Status, cond.Reason = metav1.ConditionFalse, ReasonTeardownFailed
		cond.Message = fmt.Sprintf("cannot render the pipeline to tear it down: %v. %s", err, forceHint(run))
		return cond, false, nil
	}
	made := &created{}
	defer made.event(r.Recorder, run)
	if !inlinePipeline(run, pipeline) {
		if err := r.ensureConfigMap(ctx, run, pipeline, made); err != nil {
			return cond, false, err
		}
	}
	job := &batchv1.Job{}
	err = r.Get(ctx, client.ObjectKey{Namespace: run.Namespace, Name: TeardownJobName(run)}, job)
	if apierrors.IsNotFound(err) {
		job = BuildTeardownJob(run, r.Options, pipeline)
		if err := r.Create(ctx, job); client.IgnoreAlreadyExists(err) != nil {
			cond.Status, cond.Reason = metav1.ConditionFalse, ReasonTeardownFailed
			cond.Message = fmt.Sprintf("cannot create teardown Job %s: %v. %s", job.Name, err, forceHint(run))
			return cond, false, nil
		}
		r.Recorder.Eventf(run, job, corev1.EventTypeNormal, ReasonTeardownStarted, "Teardown",
			"teardown Job %s started: weir ingest --destroy", job.Name)
	} else if err != nil {
		return cond, false, err
	}
	switch out, c := outcomeOf(job); out {
	case jobSucceeded:
		return cond, true, nil
	case jobFailed:
		cond.Status, cond.Reason = metav1.ConditionFalse, ReasonTeardownFailed
		cond.Message = fmt.Sprintf("teardown Job %s failed: %s: %s. Fix the cause and delete the Job to retry, or %s",
			job.Name, c.Reason, c.Message, forceHint(run))
	default:
		cond.Status, cond.Reason = metav1.ConditionUnknown, ReasonTeardownRunning
		cond.Message = fmt.Sprintf("teardown Job %s is removing the pipeline's assets from Marmot", job.Name)
	}
	return cond, false, nil
}

func forceHint(run *runsv1.Run) string {
	return fmt.Sprintf("to delete the Run and keep its assets in Marmot: kubectl annotate run %s -n %s %s=true",
		run.Name, run.Namespace, runsv1.AnnotationSkipTeardown)
}

// stopIngestion removes the CronJob and every ingestion Job of the Run.
func (r *Reconciler) stopIngestion(ctx context.Context, run *runsv1.Run) error {
	if err := r.deleteIfExists(ctx, &batchv1.CronJob{}, run.Namespace, CronJobName(run), KindScheduled); err != nil {
		return err
	}
	jobs, err := r.listJobs(ctx, run)
	if err != nil {
		return err
	}
	for i := range jobs.Items {
		j := &jobs.Items[i]
		if j.Labels[runsv1.LabelJobKind] == KindTeardown || j.DeletionTimestamp != nil {
			continue
		}
		if out, _ := outcomeOf(j); out != jobActive {
			continue
		}
		if err := r.Delete(ctx, j, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}

func (r *Reconciler) removeFinalizer(ctx context.Context, run *runsv1.Run) error {
	orig := run.DeepCopy()
	controllerutil.RemoveFinalizer(run, runsv1.Finalizer)
	return client.IgnoreNotFound(r.Patch(ctx, run, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})))
}
