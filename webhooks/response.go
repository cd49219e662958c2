package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/weir-dev/weir/policies/engine"
)

// describe words one violation for a human: the field, the message and
// the rule that found it, so an admin can find the rule from the message.
func describe(v engine.Violation) string {
	var b strings.Builder
	b.WriteString(v.String())
	switch {
	case v.Policy != "" && v.Bundle != "" && v.Bundle != engine.DefaultBundleName:
		fmt.Fprintf(&b, " (policy %s, bundle %s)", v.Policy, v.Bundle)
	case v.Policy != "":
		fmt.Fprintf(&b, " (policy %s)", v.Policy)
	case v.Bundle != "":
		fmt.Fprintf(&b, " (bundle %s)", v.Bundle)
	}
	return b.String()
}

// denied refuses with one line per violation; kubectl prints the message
// after `admission webhook "..." denied the request:`. The causes carry
// the field paths for clients that read them.
func denied(kind string, vs []engine.Violation) admission.Response {
	lines := make([]string, len(vs))
	causes := make([]metav1.StatusCause, len(vs))
	for i, v := range vs {
		lines[i] = describe(v)
		causes[i] = metav1.StatusCause{Type: metav1.CauseTypeFieldValueInvalid, Field: v.Field, Message: v.Message}
	}
	msg := lines[0]
	if len(lines) > 1 {
		msg = fmt.Sprintf("%d policy violations:\n- %s", len(lines), strings.Join(lines, "\n- "))
	}
	resp := admission.Denied(msg)
	resp.Result.Reason = metav1.StatusReasonForbidden
	resp.Result.Details = &metav1.StatusDetails{Kind: kind, Causes: causes}
	return resp
}

func warnings(vs []engine.Violation) []string {
	if len(vs) == 0 {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = describe(v)
	}
	return out
}

// patched returns the decision's JSON patch, after checking that it
// applies to the object and changes it: a patch that cannot apply is
// the policy's fault and is reported as such, not as an API error.
// extra, when set, may add one operation computed from the object as the
// policies' patch leaves it (the finalizer, finalizers.go); an operation
// it adds changes the object by construction.
func patched(object []byte, ops []engine.PatchOp, extra func(out []byte) (engine.PatchOp, bool)) (admission.Response, bool) {
	out := object
	if len(ops) > 0 {
		raw, err := json.Marshal(ops)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, fmt.Errorf("policy patch: %w", err)), false
		}
		p, err := jsonpatch.DecodePatch(raw)
		if err != nil {
			return patchError(ops, err), false
		}
		if out, err = p.Apply(object); err != nil {
			return patchError(ops, err), false
		}
	}
	if extra != nil {
		if op, ok := extra(out); ok {
			return patchResponse(append(slices.Clip(ops), op))
		}
	}
	if len(ops) == 0 || jsonEqual(object, out) {
		return admission.Allowed(""), false
	}
	return patchResponse(ops)
}

func patchResponse(ops []engine.PatchOp) (admission.Response, bool) {
	raw, err := json.Marshal(ops)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("policy patch: %w", err)), false
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp := admission.Allowed("")
	resp.Patch, resp.PatchType = raw, &pt
	return resp, true
}

func patchError(ops []engine.PatchOp, err error) admission.Response {
	seen := map[string]bool{}
	var names []string
	for _, op := range ops {
		if id := op.Policy + "@" + op.Bundle; !seen[id] {
			seen[id] = true
			names = append(names, fmt.Sprintf("%s (bundle %s)", op.Policy, op.Bundle))
		}
	}
	return admission.Denied(fmt.Sprintf("the patch of policies %s does not apply to this object: %v; fix the policy or switch its bundle to enforcementMode dryrun",
		strings.Join(names, ", "), err))
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xb, _ := json.Marshal(x) // map keys sorted
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}
