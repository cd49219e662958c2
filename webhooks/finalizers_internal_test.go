package webhooks

import (
	"encoding/json"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

func finalizerRequest(op admissionv1.Operation, object string) admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: op, Object: runtime.RawExtension{Raw: []byte(object)}}}
}

// The cases envtest cannot reach: an UPDATE (the matchCondition lets a
// finalizer-only one through unjudged) and a policy patch that changes
// what the finalizer depends on.
func TestWithFinalizer(t *testing.T) {
	h := &PolicyHandler{Mutating: true, Finalizer: runFinalizer}
	defaulted := engine.PatchOp{Op: "add", Path: "/metadata/labels", Value: map[string]string{"team": "data"}}
	keep := engine.PatchOp{Op: "add", Path: "/spec/teardownOnDelete", Value: false}
	for _, tc := range []struct {
		name   string
		op     admissionv1.Operation
		object string
		policy []engine.PatchOp
		want   string // the patch, as JSON
	}{
		{"create", admissionv1.Create, `{"metadata":{"name":"a"},"spec":{}}`, nil,
			`[{"op":"add","path":"/metadata/finalizers","value":["runs.marmotdata.io/teardown"]}]`},
		{"create after the policies' patch", admissionv1.Create, `{"metadata":{"name":"a"},"spec":{}}`, []engine.PatchOp{defaulted},
			`[{"op":"add","path":"/metadata/labels","value":{"team":"data"}},{"op":"add","path":"/metadata/finalizers","value":["runs.marmotdata.io/teardown"]}]`},
		{"create with other finalizers", admissionv1.Create, `{"metadata":{"name":"a","finalizers":["x"]},"spec":{}}`, nil,
			`[{"op":"add","path":"/metadata/finalizers/-","value":"runs.marmotdata.io/teardown"}]`},
		{"create already held", admissionv1.Create, `{"metadata":{"finalizers":["runs.marmotdata.io/teardown"]},"spec":{}}`, nil, `null`},
		{"a policy turns teardown off", admissionv1.Create, `{"metadata":{},"spec":{"teardownOnDelete":true}}`, []engine.PatchOp{keep},
			`[{"op":"add","path":"/spec/teardownOnDelete","value":false}]`},
		{"update", admissionv1.Update, `{"metadata":{"name":"a"},"spec":{}}`, nil, `null`},
		{"a policy patch that does not apply is left to patched", admissionv1.Create, `{"metadata":{},"spec":{}}`,
			[]engine.PatchOp{{Op: "replace", Path: "/spec/missing", Value: 1}}, `[{"op":"replace","path":"/spec/missing","value":1}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(h.withFinalizer(finalizerRequest(tc.op, tc.object), tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("patch\n got %s\nwant %s", got, tc.want)
			}
		})
	}
	if got := (&PolicyHandler{Mutating: true}).withFinalizer(finalizerRequest(admissionv1.Create, `{}`), nil); got != nil {
		t.Errorf("a handler without Finalizer patched %v", got)
	}
	if runFinalizer([]byte(`{"spec":{"teardownOnDelete":false}}`)) != "" || runFinalizer([]byte(`{"spec":{}}`)) != runsv1.Finalizer {
		t.Error("runFinalizer does not follow teardownOnDelete")
	}
}
