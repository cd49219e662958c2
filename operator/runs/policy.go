package runs

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/policycheck"
	"github.com/weir-dev/weir/operator/related"
)

// Reasons of the Valid condition.
const (
	ReasonPolicyAllowed = policycheck.ReasonPolicyAllowed
	ReasonPolicyDenied  = policycheck.ReasonPolicyDenied
	ReasonPolicyError   = policycheck.ReasonPolicyError
)

// errDenied: the policies in force deny the Run. Like errInvalid, only a
// change to the Run or to the policies helps, so there is no retry.
type errDenied struct{ error }

// checkPolicies decides the stored Run as a CREATE would be decided, with
// the related objects the webhook gives it (its Namespace), so a Run
// admitted while the webhook was down, or before a stricter bundle, is
// held back. Patches are not applied here: defaults are the mutating
// webhook's job, and a controller rewriting specs would fight the user.
// The last decision on each Run is reused while its inputs are unchanged
// (policycheck.Memo); a failed decision is never kept.
func (r *Reconciler) checkPolicies(ctx context.Context, run *runsv1.Run) (metav1.Condition, error) {
	var rel map[string]any
	if r.Policies != nil {
		var err error
		if rel, err = related.For(ctx, r.Client, run); err != nil {
			return metav1.Condition{Type: runsv1.ConditionValid, Status: metav1.ConditionFalse, Reason: ReasonPolicyError,
				Message: "policy decision failed: " + err.Error(), ObservedGeneration: run.Generation}, fmt.Errorf("policy decision: %w", err)
		}
	}
	res, err := r.decisions.Check(ctx, r.Policies, run, runsv1.GroupVersion.WithKind("Run"), rel)
	if err != nil {
		return res.Condition, err
	}
	return res.Condition, deniedBy(res.Condition)
}

// deniedBy is the errDenied of a Valid condition that denies, else nil.
func deniedBy(c metav1.Condition) error {
	if c.Status == metav1.ConditionTrue {
		return nil
	}
	return errDenied{errors.New(c.Message)}
}

// setValid records the Valid condition and, when a denial is new or lifted,
// says so in an event: the user did nothing and must learn why their Run
// stopped, or started again.
func (r *Reconciler) setValid(run *runsv1.Run, before *runsv1.RunStatus, c metav1.Condition) {
	prev := meta.FindStatusCondition(before.Conditions, runsv1.ConditionValid)
	switch {
	case c.Status == metav1.ConditionFalse && (prev == nil || prev.Message != c.Message):
		r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, c.Reason, "Validate", "%s", c.Message)
	case c.Status == metav1.ConditionTrue && prev != nil && prev.Reason == ReasonPolicyDenied:
		what := "Job " + JobName(run) + " is made again unless it already ran"
		if run.Spec.Schedule != "" {
			what = "CronJob " + CronJobName(run) + " is resumed"
		}
		r.Recorder.Eventf(run, nil, corev1.EventTypeNormal, ReasonResumed, "Validate",
			"the policies allow the Run again: %s", what)
	}
	meta.SetStatusCondition(&run.Status.Conditions, c)
}

// PoliciesChanged queues every Run for a new decision; the policy loader
// calls it after a new revision is in force. A List that fails is logged
// and retried with backoff until ctx ends (policycheck.Requeuer).
func (r *Reconciler) PoliciesChanged(ctx context.Context) {
	_ = r.requeuer().PoliciesChanged(ctx)
}

// requeuer is the Run's policycheck.Requeuer, made on first use.
func (r *Reconciler) requeuer() *policycheck.Requeuer {
	r.requeueOnce.Do(func() {
		r.requeue = &policycheck.Requeuer{Reader: r.Client, List: &runsv1.RunList{}}
	})
	return r.requeue
}
