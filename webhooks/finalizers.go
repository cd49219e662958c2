package webhooks

import (
	"encoding/json"
	"slices"

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

// finalizerOp returns, for a CREATE by a handler that holds objects, the
// function adding the kind's finalizer to the object as the policies'
// patch leaves it; nil otherwise.
func (h *PolicyHandler) finalizerOp(req admission.Request) func(object []byte) (engine.PatchOp, bool) {
	if h.Finalizer == nil || req.Operation != admissionv1.Create {
		return nil
	}
	return func(object []byte) (engine.PatchOp, bool) {
		name := h.Finalizer(object)
		if name == "" {
			return engine.PatchOp{}, false
		}
		var meta struct {
			Metadata struct {
				Finalizers []string `json:"finalizers"`
			} `json:"metadata"`
		}
		if json.Unmarshal(object, &meta) != nil || slices.Contains(meta.Metadata.Finalizers, name) {
			return engine.PatchOp{}, false
		}
		if meta.Metadata.Finalizers == nil {
			return engine.PatchOp{Op: "add", Path: "/metadata/finalizers", Value: []string{name}}, true
		}
		return engine.PatchOp{Op: "add", Path: "/metadata/finalizers/-", Value: name}, true
	}
}
