package workspaces

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/policycheck"
	"github.com/weir-dev/weir/operator/related"
	"github.com/weir-dev/weir/operator/status"
	"github.com/weir-dev/weir/policies/engine"
)

// templateViolations are the policies whose denials are the template's
// bounds (reason TemplateViolation); template-not-found has its own
// reason, anything else is PolicyDenied (docs/policies.md).
var templateViolations = map[string]bool{
	"workspaces.allowed-images":  true,
	"workspaces.resource-bounds": true,
	"workspaces.storage-bounds":  true,
	"workspaces.image":           true,
	"workspaces.quantity":        true,
	// A template limits the execution profiles too.
	"workspaces.allowed-execution-profiles": true,
	// ... and the idle timeout.
	"workspaces.idle-bounds": true,
}

// validReason maps the denials to the Valid condition's reason: a missing
// template first (nothing else can be judged without it), then a missing
// execution profile (no pod can run without it), then bounds.
func validReason(denials []engine.Violation) string {
	reason := ""
	for _, v := range denials {
		switch {
		case v.Policy == "workspaces.template-not-found":
			return wsv1.ReasonTemplateNotFound
		case v.Policy == "workspaces.execution-profile-not-found" || reason == wsv1.ReasonExecutionProfileNotFound:
			reason = wsv1.ReasonExecutionProfileNotFound
		case templateViolations[v.Policy] && reason == "":
			reason = wsv1.ReasonTemplateViolation
		case !templateViolations[v.Policy]:
			reason = wsv1.ReasonPolicyDenied
		}
	}
	return reason
}

// validCondition is policycheck's Valid with the reason a user of
// upstream Jupyter k8s knows (TemplateNotFound, TemplateViolation,
// PolicyDenied); its message lists every denial.
func validCondition(res policycheck.Result) metav1.Condition {
	c := res.Condition
	c.Type = wsv1.ConditionValid
	if !res.Allowed() && len(res.Denials) > 0 {
		c.Reason = validReason(res.Denials)
	}
	return c
}

// setValid records Valid and tells the user, once, when the Workspace is
// held back or starts again.
func (r *Reconciler) setValid(ws, orig *wsv1.Workspace, c metav1.Condition) {
	prev := findCondition(orig.Status.Conditions, wsv1.ConditionValid)
	switch {
	case c.Status == metav1.ConditionFalse && c.Reason == policycheck.ReasonPolicyError:
		// Retried; the children stay as they are. Told once per message.
		if status.IsNew(orig.Status.Conditions, c) {
			r.Recorder.Eventf(ws, nil, corev1.EventTypeWarning, c.Reason, "Validate", "%s", c.Message)
		}
	case c.Status == metav1.ConditionFalse && status.IsNew(orig.Status.Conditions, c):
		r.Recorder.Eventf(ws, nil, corev1.EventTypeWarning, c.Reason, "Validate", "no pod runs until this is fixed: %s", c.Message)
	case c.Status == metav1.ConditionTrue && prev != nil && prev.Status == metav1.ConditionFalse:
		r.Recorder.Eventf(ws, nil, corev1.EventTypeNormal, ReasonResumed, "Validate", "the Workspace is valid now")
	}
	status.SetCondition(ws, &ws.Status.Conditions, c)
}

// workspaceKind is what the policies are told a Workspace is.
var workspaceKind = wsv1.GroupVersion.WithKind("Workspace")

// decide asks the policies about the stored Workspace, as a CREATE by the
// controller with input.related resolved as the webhook resolves it (its
// template, from the cache): the effective spec (the policies' patch
// applied to a copy, never written back: the user's spec stays the
// user's) and the Valid condition. An error is a failed decision, to be
// retried, not a denial; the condition then says PolicyError.
func (r *Reconciler) decide(ctx context.Context, ws *wsv1.Workspace) (*wsv1.Workspace, metav1.Condition, error) {
	rel, err := related.For(ctx, r.Client, ws)
	if err != nil {
		return nil, errorCondition(ws, err), err
	}
	res, err := r.decisions.Check(ctx, r.Policies, ws, workspaceKind, rel)
	if err != nil {
		return nil, validCondition(res), err
	}
	eff := ws.DeepCopy()
	if err := res.Apply(eff); err != nil {
		return nil, errorCondition(ws, err), err
	}
	return eff, validCondition(res), nil
}

func errorCondition(ws *wsv1.Workspace, err error) metav1.Condition {
	return metav1.Condition{Type: wsv1.ConditionValid, Status: metav1.ConditionFalse, Reason: policycheck.ReasonPolicyError,
		Message: "policy decision failed: " + err.Error(), ObservedGeneration: ws.Generation}
}

// PoliciesChanged decides every Workspace again; the policy loader calls
// it when a new revision is in force.
func (r *Reconciler) PoliciesChanged(ctx context.Context) {
	_ = r.requeuer().PoliciesChanged(ctx) // logged and retried inside
}

func (r *Reconciler) requeuer() *policycheck.Requeuer {
	r.requeueOnce.Do(func() {
		r.requeue = &policycheck.Requeuer{Reader: r.Client, List: &wsv1.WorkspaceList{}}
	})
	return r.requeue
}
