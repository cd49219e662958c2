package webhooks

import (
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
func TestFinalizerPatch(t *testing.T) {
	h := &PolicyHandler{Mutating: true, Finalizer: runFinalizer}
	defaulted := engine.PatchOp{Op: "add", Path: "/metadata/labels", Value: map[string]string{"team": "data"}}
	keep := engine.PatchOp{Op: "add", Path: "/spec/teardownOnDelete", Value: false}
	for _, tc := range []struct {
		name   string
		op     admissionv1.Operation
		object string
		policy []engine.PatchOp
		want   string // the patch, as JSON; "null" for none, "denied" for a refusal
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
		{"a policy patch that does not apply is the policy's fault", admissionv1.Create, `{"metadata":{},"spec":{}}`,
			[]engine.PatchOp{{Op: "replace", Path: "/spec/missing", Value: 1}}, `denied`},
		{"a policy patch that changes nothing", admissionv1.Update, `{"metadata":{"labels":{"team":"data"}},"spec":{}}`,
			[]engine.PatchOp{defaulted}, `null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := finalizerRequest(tc.op, tc.object)
			resp, changed := patched(req.Object.Raw, tc.policy, h.finalizerOp(req))
			got := string(resp.Patch)
			switch {
			case !resp.Allowed:
				got = "denied"
			case !changed && got == "":
				got = "null"
			}
			if got != tc.want {
				t.Errorf("patch\n got %s\nwant %s", got, tc.want)
			}
		})
	}
	if (&PolicyHandler{Mutating: true}).finalizerOp(finalizerRequest(admissionv1.Create, `{}`)) != nil {
		t.Error("a handler without Finalizer adds one")
	}
	if runFinalizer([]byte(`{"spec":{"teardownOnDelete":false}}`)) != "" || runFinalizer([]byte(`{"spec":{}}`)) != runsv1.Finalizer {
		t.Error("runFinalizer does not follow teardownOnDelete")
	}
}
