package webhooks

import (
	"encoding/json"
	"slices"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// Finalizers are added when an object is created, by the mutating
// webhook, rather than by the controller's first reconcile: that patch
// was one of a Run's three writes and one of a Workspace's five, with a
// watch event and a reconcile pass of its own. The controller still adds
// the finalizer when the webhook did not (webhooks off, or an object
// created before), and removes it as before. Only on CREATE: on an
// UPDATE a missing finalizer may have been removed on purpose, or the
// object be on its way out.

// runFinalizer holds a Run that tears down on delete.
func runFinalizer(object []byte) string {
	var run runsv1.Run
	if json.Unmarshal(object, &run) != nil || !run.Spec.TearsDown() {
		return ""
	}
	return runsv1.Finalizer
}

// workspaceFinalizer holds every Workspace until its claim is released.
func workspaceFinalizer([]byte) string { return wsv1.FinalizerStorage }

// withFinalizer returns the policies' patch plus, on CREATE, the
// operation adding the kind's finalizer to the object as the policies
// leave it. A policy patch that does not apply is returned unchanged, for
// patched to report.
func (h *PolicyHandler) withFinalizer(req admission.Request, ops []engine.PatchOp) []engine.PatchOp {
	if h.Finalizer == nil || req.Operation != admissionv1.Create || len(req.Object.Raw) == 0 {
		return ops
	}
	object := req.Object.Raw
	if len(ops) > 0 {
		raw, err := json.Marshal(ops)
		if err != nil {
			return ops
		}
		p, err := jsonpatch.DecodePatch(raw)
		if err != nil {
			return ops
		}
		if object, err = p.Apply(object); err != nil {
			return ops
		}
	}
	name := h.Finalizer(object)
	if name == "" {
		return ops
	}
	var meta struct {
		Metadata struct {
			Finalizers []string `json:"finalizers"`
		} `json:"metadata"`
	}
	if json.Unmarshal(object, &meta) != nil || slices.Contains(meta.Metadata.Finalizers, name) {
		return ops
	}
	op := engine.PatchOp{Op: "add", Path: "/metadata/finalizers/-", Value: name}
	if meta.Metadata.Finalizers == nil {
		op = engine.PatchOp{Op: "add", Path: "/metadata/finalizers", Value: []string{name}}
	}
	return append(slices.Clip(ops), op)
}
