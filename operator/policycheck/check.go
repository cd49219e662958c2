// Package policycheck decides stored objects with the policies in force,
// at reconcile, for any kind: the second of the two places the design puts
// every policy decision (the first is admission, in webhooks).
//
// A controller calls Check once per reconcile with the object as it read it
// and the related objects its kind's resolver finds (the same ones the
// webhook puts in input.related):
//
//	res, err := policycheck.Check(ctx, eng, ws, wsv1.GroupVersion.WithKind("Workspace"),
//		map[string]any{"template": tmpl})
//	status.SetCondition(ws, &ws.Status.Conditions, res.Condition)
//	if err != nil || !res.Allowed() { ... hold: no child runs ... }
//	eff := ws.DeepCopy()
//	err = res.Apply(eff) // the effective spec, in memory only
//
// The object is decided as a CREATE by ReconcileUser, so an object admitted
// while the webhook was down, or before a stricter bundle was loaded, is
// held back until it passes. Result.Condition is the Valid condition
// (reasons PolicyAllowed, PolicyDenied, PolicyError) built from the
// denials; warnings and the patch are returned for the caller to use.
// Check never writes: a controller that wrote the patch back would fight
// the user over their spec.
//
// A Requeuer queues every object of a kind again when a new policy
// revision is in force (see Requeuer).
package policycheck

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/policies/engine"
)

// ConditionValid is the condition Check reports.
const ConditionValid = "Valid"

// Reasons of the Valid condition.
const (
	ReasonPolicyAllowed = "PolicyAllowed"
	ReasonPolicyDenied  = "PolicyDenied"
	ReasonPolicyError   = "PolicyError"
)

// ReconcileUser is the userInfo.username policies see when the controller,
// not a user's request, asks for a decision.
const ReconcileUser = "system:weir:reconcile"

// Result is the decision on one stored object.
type Result struct {
	// Condition is Valid: True when nothing denies the object (or there is
	// no engine), False with reason PolicyDenied and every denial in the
	// message, or False with PolicyError when no decision could be had.
	// Its observedGeneration is the object's.
	Condition metav1.Condition
	Denials   []engine.Violation
	Warnings  []engine.Violation
	// Patch is what the policies would set (defaults, inheritance), for
	// the caller's in-memory effective object (Apply).
	Patch []engine.PatchOp
	// Revision is the policy revision that decided; empty without one.
	Revision string
}

// Allowed reports whether the object may have its children.
func (r Result) Allowed() bool { return r.Condition.Status == metav1.ConditionTrue }

// Check decides obj (of kind gvk; a typed object read from the API has no
// TypeMeta) as a CREATE by ReconcileUser with input.related = related.
// A nil engine allows everything ("policy checks are off"). The error is
// set, with a PolicyError condition, only when no decision could be had;
// a denial is no error.
func Check(ctx context.Context, eng *engine.Engine, obj client.Object, gvk schema.GroupVersionKind, related map[string]any) (Result, error) {
	res := Result{Condition: metav1.Condition{Type: ConditionValid, Status: metav1.ConditionTrue,
		Reason: ReasonPolicyAllowed, Message: "the policies in force allow this " + gvk.Kind,
		ObservedGeneration: obj.GetGeneration()}}
	if eng == nil {
		res.Condition.Message = "policy checks are off"
		return res, nil
	}
	in, err := Input(obj, gvk, related)
	var d engine.Decision
	if err == nil {
		d, err = eng.Decide(ctx, in)
	}
	if err != nil {
		c := &res.Condition
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonPolicyError, "policy decision failed: "+err.Error()
		return res, fmt.Errorf("policy decision: %w", err)
	}
	res.Denials, res.Warnings, res.Patch, res.Revision = d.Denials, d.Warnings, d.Patch, d.Revision
	if !d.Allowed() {
		lines := make([]string, len(d.Denials))
		for i, v := range d.Denials {
			lines[i] = v.String()
			if v.Policy != "" {
				lines[i] += " (policy " + v.Policy + ")"
			}
		}
		c := &res.Condition
		c.Status, c.Reason = metav1.ConditionFalse, ReasonPolicyDenied
		c.Message = "denied by policy: " + strings.Join(lines, "; ")
	}
	return res, nil
}

// Input is the engine's view of obj at reconcile: as docs/policies.md
// describes it for the controller (operation CREATE, user ReconcileUser,
// no oldObject), with apiVersion and kind set from gvk.
func Input(obj client.Object, gvk schema.GroupVersionKind, related map[string]any) (engine.Input, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return engine.Input{}, fmt.Errorf("%s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	u["apiVersion"], u["kind"] = gvk.GroupVersion().String(), gvk.Kind
	return engine.Input{
		Kind:      engine.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		Operation: "CREATE",
		UserInfo:  engine.UserInfo{Username: ReconcileUser},
		Namespace: obj.GetNamespace(),
		Name:      obj.GetName(),
		Object:    u,
		Related:   related,
	}, nil
}

// Apply applies r.Patch to obj in place, as the mutating webhook applies
// it to a request: obj becomes the effective object. Use it on a copy;
// the result is never written back.
func (r Result) Apply(obj client.Object) error {
	if len(r.Patch) == 0 {
		return nil
	}
	raw, err := json.Marshal(r.Patch)
	if err != nil {
		return err
	}
	p, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return fmt.Errorf("policy patch %s: %w", raw, err)
	}
	doc, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	if doc, err = p.Apply(doc); err != nil {
		return fmt.Errorf("policy patch %s: %w", raw, err)
	}
	// Decode into a zero value, so a key the patch removed is gone.
	v := reflect.ValueOf(obj).Elem()
	v.Set(reflect.Zero(v.Type()))
	return json.Unmarshal(doc, obj)
}
