package runs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// Reasons of the Valid condition.
const (
	ReasonPolicyAllowed = "PolicyAllowed"
	ReasonPolicyDenied  = "PolicyDenied"
	ReasonPolicyError   = "PolicyError"
)

// ReconcileUser is the userInfo.username policies see when the controller,
// not a user's request, asks for a decision.
const ReconcileUser = "system:weir:reconcile"

// errDenied: the policies in force deny the Run. Like errInvalid, only a
// change to the Run or to the policies helps, so there is no retry.
type errDenied struct{ error }

// checkPolicies decides the stored Run as a CREATE would be decided, so a
// Run admitted while the webhook was down, or before a stricter bundle,
// is held back. Patches are not applied here: defaults are the mutating
// webhook's job, and a controller rewriting specs would fight the user.
func (r *Reconciler) checkPolicies(ctx context.Context, run *runsv1.Run) (metav1.Condition, error) {
	c := metav1.Condition{Type: runsv1.ConditionValid, Status: metav1.ConditionTrue,
		Reason: ReasonPolicyAllowed, Message: "the policies in force allow this Run", ObservedGeneration: run.Generation}
	if r.Policies == nil {
		c.Message = "policy checks are off"
		return c, nil
	}
	in, err := runInput(run)
	if err == nil {
		var d engine.Decision
		if d, err = r.Policies.Decide(ctx, in); err == nil && !d.Allowed() {
			lines := make([]string, len(d.Denials))
			for i, v := range d.Denials {
				lines[i] = v.String()
				if v.Policy != "" {
					lines[i] += " (policy " + v.Policy + ")"
				}
			}
			c.Status, c.Reason = metav1.ConditionFalse, ReasonPolicyDenied
			c.Message = "denied by policy: " + strings.Join(lines, "; ")
			return c, errDenied{errors.New(c.Message)}
		}
	}
	if err != nil {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonPolicyError, "policy decision failed: "+err.Error()
		return c, fmt.Errorf("policy decision: %w", err)
	}
	return c, nil
}

func runInput(run *runsv1.Run) (engine.Input, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(run)
	if err != nil {
		return engine.Input{}, err
	}
	obj["apiVersion"], obj["kind"] = runsv1.GroupVersion.String(), "Run"
	gv := runsv1.GroupVersion
	return engine.Input{
		Kind:      engine.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: "Run"},
		Operation: "CREATE",
		UserInfo:  engine.UserInfo{Username: ReconcileUser},
		Namespace: run.Namespace,
		Name:      run.Name,
		Object:    obj,
	}, nil
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
// calls it after a new revision is in force. It never blocks: on a replica
// that is not the leader the controller has not started, there is no
// queue, and there is nothing to do.
func (r *Reconciler) PoliciesChanged(ctx context.Context) {
	q := r.queue.Load()
	if q == nil {
		return
	}
	runs := &runsv1.RunList{}
	if err := r.List(ctx, runs); err != nil {
		return // the next resync catches up
	}
	for i := range runs.Items {
		(*q).Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&runs.Items[i])})
	}
}

// policySource hands the controller's queue to PoliciesChanged when the
// controller starts.
func (r *Reconciler) policySource() source.Source {
	return source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		r.queue.Store(&q)
		return nil
	})
}
