package webhooks

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

var fuzzKinds = []metav1.GroupVersionKind{
	{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"},
	{Group: "policies.weir.dev", Version: "v1alpha1", Kind: "PolicyBundle"},
}

var fuzzOps = []admissionv1.Operation{admissionv1.Create, admissionv1.Update, admissionv1.Delete, admissionv1.Connect}

// fuzzHandlers are the three webhooks as Setup registers them with the
// default bundle, minus what needs an API server (namespace lookup, access
// reviews, missing-reference warnings). Panics are not recovered, so the
// fuzzer sees them.
var fuzzHandlers = sync.OnceValues(func() (map[string]*admission.Webhook, error) {
	eng := engine.New()
	if _, err := eng.Load(context.Background(), engine.DefaultBundle()); err != nil {
		return nil, err
	}
	scheme := k8sruntime.NewScheme()
	if err := runsv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := policiesv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	check := func(context.Context, *policiesv1.PolicyBundle) error { return nil }
	no := false
	wrap := func(h *PolicyHandler) *admission.Webhook {
		h.Engine, h.Log = eng, logr.Discard()
		return &admission.Webhook{Handler: h, RecoverPanic: &no,
			LogConstructor: func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() }}
	}
	return map[string]*admission.Webhook{
		NameValidateRuns:          wrap(&PolicyHandler{Webhook: NameValidateRuns}),
		NameMutateRuns:            wrap(&PolicyHandler{Webhook: NameMutateRuns, Mutating: true, Malformed: decodeCheck(scheme)}),
		NameValidatePolicyBundles: wrap(&PolicyHandler{Webhook: NameValidatePolicyBundles, Check: compileCheck(check)}),
	}, nil
})

// FuzzPolicyHandler sends arbitrary objects, old objects, kinds and
// operations to the webhooks with the default bundle: they must never
// panic, and must always answer with a well-formed response (a status
// with a code, a message when refusing, and only a JSON patch that
// applies to the object, only from the mutating webhook).
func FuzzPolicyHandler(f *testing.F) {
	hooks, err := fuzzHandlers()
	if err != nil {
		f.Fatal(err)
	}
	for _, obj := range []string{
		benchRunSpec, benchRunLiteral, benchRunNoResources,
		`{"apiVersion":"runs.marmotdata.io/v1alpha1","kind":"Run","metadata":{"name":"q"},"spec":{"runs":[{"postgresql":{"host":"db"}}],"resources":{"limits":{"cpu":"1.5cores"}}}}`,
		`{"apiVersion":"policies.weir.dev/v1alpha1","kind":"PolicyBundle","metadata":{"name":"b"},"spec":{"modules":[{"name":"a.rego","rego":"package weir.runs\n"}]}}`,
		`{"metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"},"spec":{}}`,
		`{}`, `null`, `[]`, `{"spec":[1,2]}`, ``,
	} {
		for kind := range fuzzKinds {
			for op := range fuzzOps[:2] {
				f.Add(uint8(kind), uint8(op), uint8(op), []byte(obj), []byte(benchRunSpec))
			}
		}
	}
	names := []string{NameValidateRuns, NameMutateRuns, NameValidatePolicyBundles}
	f.Fuzz(func(t *testing.T, kind, op, hook uint8, obj, old []byte) {
		req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
			UID:       "fuzz",
			Kind:      fuzzKinds[int(kind)%len(fuzzKinds)],
			Operation: fuzzOps[int(op)%len(fuzzOps)],
			Namespace: "team-a", Name: "fuzz",
			Object:    k8sruntime.RawExtension{Raw: obj},
			OldObject: k8sruntime.RawExtension{Raw: old},
		}}
		name := names[int(hook)%len(names)]
		resp := hooks[name].Handle(context.Background(), req)
		checkResponse(t, name, obj, resp)
	})
}

func checkResponse(t *testing.T, hook string, obj []byte, resp admission.Response) {
	t.Helper()
	if resp.UID != "fuzz" {
		t.Fatalf("%s: response UID %q, want the request's", hook, resp.UID)
	}
	if resp.Result == nil {
		t.Fatalf("%s: response without a status", hook)
	}
	code := resp.Result.Code
	switch {
	case resp.Allowed && code != http.StatusOK:
		t.Fatalf("%s: allowed with code %d", hook, code)
	case !resp.Allowed && (code < 400 || code > 599 || resp.Result.Message == ""):
		t.Fatalf("%s: refused with code %d and message %q", hook, code, resp.Result.Message)
	}
	if len(resp.Patch) > 0 || resp.PatchType != nil {
		if hook != NameMutateRuns || !resp.Allowed {
			t.Fatalf("%s: a patch from a validating webhook or with a refusal", hook)
		}
		p, err := jsonpatch.DecodePatch(resp.Patch)
		if err != nil {
			t.Fatalf("%s: patch %s does not decode: %v", hook, resp.Patch, err)
		}
		if _, err := p.Apply(obj); err != nil {
			t.Fatalf("%s: patch %s does not apply: %v", hook, resp.Patch, err)
		}
	}
	if _, err := json.Marshal(admissionv1.AdmissionReview{Response: &resp.AdmissionResponse}); err != nil {
		t.Fatalf("%s: response does not encode: %v", hook, err)
	}
}
