package workspaces

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/status"
	"github.com/weir-dev/weir/policies/engine"
)

// ReasonValid (Valid=True): the template and the policies allow the spec.
const ReasonValid = "Valid"

// templateViolations are the policies whose denials are the template's
// bounds (reason TemplateViolation); template-not-found has its own
// reason, anything else is PolicyDenied (docs/policies.md).
var templateViolations = map[string]bool{
	"workspaces.allowed-images":  true,
	"workspaces.resource-bounds": true,
	"workspaces.storage-bounds":  true,
	"workspaces.image":           true,
	"workspaces.quantity":        true,
}

// validReason maps the denials to the Valid condition's reason: a missing
// template first (nothing else can be judged without it), then bounds.
func validReason(denials []engine.Violation) string {
	reason := ""
	for _, v := range denials {
		switch {
		case v.Policy == "workspaces.template-not-found":
			return wsv1.ReasonTemplateNotFound
		case templateViolations[v.Policy] && reason == "":
			reason = wsv1.ReasonTemplateViolation
		case !templateViolations[v.Policy]:
			reason = wsv1.ReasonPolicyDenied
		}
	}
	return reason
}

// validCondition is Valid for a decision's denials; its message lists
// every one, as kubectl apply showed them.
func validCondition(denials []engine.Violation) metav1.Condition {
	c := metav1.Condition{Type: wsv1.ConditionValid, Status: metav1.ConditionTrue,
		Reason: ReasonValid, Message: "the template and the policies in force allow this Workspace"}
	if len(denials) == 0 {
		return c
	}
	lines := make([]string, len(denials))
	for i, v := range denials {
		lines[i] = v.String()
		if v.Policy != "" {
			lines[i] += " (policy " + v.Policy + ")"
		}
	}
	c.Status, c.Reason, c.Message = metav1.ConditionFalse, validReason(denials), strings.Join(lines, "; ")
	return c
}

// effectiveSpec applies the policies' patch to a copy of ws: what it
// inherits from its template and Weir's defaults. The stored Workspace is
// never changed; the user's spec stays the user's.
func effectiveSpec(ws *wsv1.Workspace, patch []engine.PatchOp) (*wsv1.Workspace, error) {
	if len(patch) == 0 {
		return ws.DeepCopy(), nil
	}
	doc, err := json.Marshal(ws)
	if err != nil {
		return nil, err
	}
	ops, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	p, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		return nil, fmt.Errorf("the policies' patch: %w", err)
	}
	out, err := p.Apply(doc)
	if err != nil {
		return nil, fmt.Errorf("the policies' patch does not apply: %w", err)
	}
	eff := &wsv1.Workspace{}
	if err := json.Unmarshal(out, eff); err != nil {
		return nil, fmt.Errorf("the policies' patch gives no Workspace: %w", err)
	}
	return eff, nil
}

// setValid records Valid and tells the user, once, when the Workspace is
// held back or starts again.
func (r *Reconciler) setValid(ws, orig *wsv1.Workspace, c metav1.Condition) {
	prev := findCondition(orig.Status.Conditions, wsv1.ConditionValid)
	switch {
	case c.Status == metav1.ConditionFalse && status.IsNew(orig.Status.Conditions, c):
		r.Recorder.Eventf(ws, nil, corev1.EventTypeWarning, c.Reason, "Validate", "no pod runs until this is fixed: %s", c.Message)
	case c.Status == metav1.ConditionTrue && prev != nil && prev.Status == metav1.ConditionFalse:
		r.Recorder.Eventf(ws, nil, corev1.EventTypeNormal, ReasonResumed, "Validate", "the Workspace is valid now")
	}
	status.SetCondition(ws, &ws.Status.Conditions, c)
}

// decide asks the policies about the stored Workspace, as a CREATE by the
// controller with its template resolved from the cache: the effective
// spec and the Valid condition. An error is a failed decision (retried),
// not a denial.
func (r *Reconciler) decide(ctx context.Context, ws *wsv1.Workspace) (*wsv1.Workspace, metav1.Condition, error) {
	if r.Policies == nil {
		c := validCondition(nil)
		c.Message = "policy checks are off"
		return ws.DeepCopy(), c, nil
	}
	d, err := r.check(ctx, ws)
	if err != nil {
		return nil, metav1.Condition{}, fmt.Errorf("policy decision: %w", err)
	}
	eff, err := effectiveSpec(ws, d.Patch)
	if err != nil {
		return nil, metav1.Condition{}, err
	}
	return eff, validCondition(d.Denials), nil
}
