package webhooks

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/weir-dev/weir/policies/engine"
)

// erroringRunDeny fails every validating webhook's Run decision (deny):
// boom has two values.
const erroringRunDeny = `package weir.runs

boom := x if { some x in [1, 2] }

deny contains {"policy": "boom", "msg": "never"} if boom == 3
`

// erroringRunRules fail every Run decision, a mutating webhook's (patch)
// too.
const erroringRunRules = erroringRunDeny + `
patch contains {"policy": "boom", "op": "add", "path": "/spec/never", "value": true} if boom == 3
`

// erroringEngine is the default bundle plus one whose Run rules fail to
// evaluate, in mode deny: every Run decision is an error.
func erroringEngine(t *testing.T) *engine.Engine {
	t.Helper()
	eng := engine.New()
	if _, err := eng.Load(context.Background(), engine.DefaultBundle(),
		engine.Bundle{Name: "broken", Modules: map[string]string{"boom.rego": erroringRunRules}}); err != nil {
		t.Fatal(err)
	}
	return eng
}

func runUpdate(old, obj string) admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "1",
		Kind:      metav1.GroupVersionKind{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"},
		Resource:  metav1.GroupVersionResource{Group: "runs.marmotdata.io", Version: "v1alpha1", Resource: "runs"},
		Operation: admissionv1.Update,
		Namespace: "team-a", Name: "nightly",
		Object:    k8sruntime.RawExtension{Raw: []byte(obj)},
		OldObject: k8sruntime.RawExtension{Raw: []byte(old)},
	}}
}

// The handler lets the controller add or remove its finalizer, live or
// deleting, without asking the policies, even when they fail; so a
// managedFields-only write, and an ownerReferences change while the Run is
// deleted. Any other write of that Run is still decided (and here refused):
// spec, labels, annotations, and ownerReferences of a live Run.
func TestUnjudgedUpdatesSkipPolicies(t *testing.T) {
	eng := erroringEngine(t)
	const (
		deleting = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["runs.marmotdata.io/teardown"],"labels":{"team":"a"}},` +
			`"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		released = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"deletionTimestamp":"2026-01-01T00:00:00Z","labels":{"team":"a"}},` +
			`"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		specChanged = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"deletionTimestamp":"2026-01-01T00:00:00Z","labels":{"team":"a"}},` +
			`"spec":{"runs":[{"postgresql":{"host":"other"}}]}}`
		labelChanged = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"deletionTimestamp":"2026-01-01T00:00:00Z","labels":{"team":"b"}},` +
			`"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		live = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"finalizers":["runs.marmotdata.io/teardown"],"labels":{"team":"a"}},"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		liveReleased = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"labels":{"team":"a"}},"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		liveManaged = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"finalizers":["runs.marmotdata.io/teardown"],"labels":{"team":"a"},"managedFields":[{"manager":"kubectl"}]},` +
			`"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		liveAnnotated = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"finalizers":["runs.marmotdata.io/teardown"],"labels":{"team":"a"},"annotations":{"note":"x"}},` +
			`"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		liveOwned = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"finalizers":["runs.marmotdata.io/teardown"],"labels":{"team":"a"},"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"o","uid":"1"}]},` +
			`"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		deletingOwned = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["runs.marmotdata.io/teardown"],"labels":{"team":"a"},` +
			`"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"o","uid":"1"}]},` +
			`"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
		liveEmptyMaps = `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a",` +
			`"labels":{"team":"a"},"annotations":{},"ownerReferences":[]},"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`
	)
	for _, mutating := range []bool{false, true} {
		h := &PolicyHandler{Engine: eng, Webhook: NameValidateRuns, Mutating: mutating, Log: logr.Discard()}
		for _, c := range []struct {
			name     string
			old, obj string
			allowed  bool
		}{
			{"finalizer removed from a deleting Run", deleting, released, true},
			{"spec changed on a deleting Run", deleting, specChanged, false},
			{"labels changed on a deleting Run", deleting, labelChanged, false},
			{"finalizer removed from a live Run", live, liveReleased, true},
			{"finalizer added to a live Run", liveReleased, live, true},
			{"managedFields written on a live Run", live, liveManaged, true},
			{"empty annotations and ownerReferences written", liveReleased, liveEmptyMaps, true},
			{"owner references removed from a Run being deleted", deletingOwned, deleting, true},
			{"annotation added to a live Run", live, liveAnnotated, false},
			{"owner reference added to a live Run", live, liveOwned, false},
		} {
			resp := h.Handle(context.Background(), runUpdate(c.old, c.obj))
			if resp.Allowed != c.allowed {
				t.Errorf("mutating=%v %s: allowed = %v (%+v), want %v", mutating, c.name, resp.Allowed, resp.Result, c.allowed)
			}
			if !c.allowed && resp.Result.Code != http.StatusInternalServerError {
				t.Errorf("mutating=%v %s: code = %d, want the policies' 500", mutating, c.name, resp.Result.Code)
			}
			if c.allowed && len(resp.Patch) != 0 {
				t.Errorf("mutating=%v %s: patched %s", mutating, c.name, resp.Patch)
			}
		}
	}
}

// A mutating webhook evaluates only the bundles' patch rules and a
// validating one only their deny and warn rules: a deny rule that fails to
// evaluate fails the validating webhook, and the mutating one still adds
// the default bundle's requests.
func TestEachWebhookEvaluatesItsOwnRules(t *testing.T) {
	eng := engine.New()
	if _, err := eng.Load(context.Background(), engine.DefaultBundle(),
		engine.Bundle{Name: "broken", Modules: map[string]string{"boom.rego": erroringRunDeny}}); err != nil {
		t.Fatal(err)
	}
	req := runUpdate("", `{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"nightly","namespace":"team-a"},`+
		`"spec":{"runs":[{"postgresql":{"host":"db"}}]}}`)
	req.Operation, req.OldObject.Raw = admissionv1.Create, nil

	mutating := &PolicyHandler{Engine: eng, Webhook: NameMutateRuns, Mutating: true, Log: logr.Discard()}
	resp := mutating.Handle(context.Background(), req)
	if !resp.Allowed || !strings.Contains(string(resp.Patch), "/spec/resources") {
		t.Errorf("mutating: allowed = %v, patch %s (%+v); want the default requests added", resp.Allowed, resp.Patch, resp.Result)
	}
	validating := &PolicyHandler{Engine: eng, Webhook: NameValidateRuns, Log: logr.Discard()}
	resp = validating.Handle(context.Background(), req)
	if resp.Allowed || resp.Result.Code != http.StatusInternalServerError || !strings.Contains(resp.Result.Message, `"broken"`) {
		t.Errorf("validating: allowed = %v (%+v); want the broken bundle's evaluation error", resp.Allowed, resp.Result)
	}
}
