package webhooks

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/weir-dev/weir/policies/engine"
)

// The check and the warnings of a validating handler ask the API server
// alongside the policies; the answer is the one they gave one after the
// other: the check's denial first, the warnings only on an allowed request.
func TestLookupsAlongsidePolicies(t *testing.T) {
	eng := engine.New()
	if _, err := eng.Load(context.Background(), engine.DefaultBundle()); err != nil {
		t.Fatal(err)
	}
	request := func(spec string) admission.Request {
		var r admissionv1.AdmissionReview
		if err := json.Unmarshal(benchReviewBody(t, spec), &r); err != nil {
			t.Fatal(err)
		}
		return admission.Request{AdmissionRequest: *r.Request}
	}
	deny := func(context.Context, admission.Request) []engine.Violation {
		return []engine.Violation{{Field: "spec.env[0]", Message: "may not get Secret", Policy: PolicyReferences}}
	}
	none := func(context.Context, admission.Request) []engine.Violation { return nil }
	warn := func(context.Context, admission.Request) []engine.Violation {
		return []engine.Violation{{Field: "spec.env[0]", Message: "Secret missing"}}
	}
	for _, c := range []struct {
		name        string
		spec        string
		check       func(context.Context, admission.Request) []engine.Violation
		allowed     bool
		message     string // in the denial
		notMessage  string // not in the denial
		wantWarning bool
	}{
		{"check denies an allowed Run", benchRunSpec, deny, false, "may not get Secret", "", false},
		{"check's denial before the policies'", benchRunLiteral, deny, false, "may not get Secret", "runs.literal-secret", false},
		{"policies deny: no existence warning", benchRunLiteral, none, false, "runs.literal-secret", "", false},
		{"allowed: existence warning", benchRunSpec, none, true, "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &PolicyHandler{Engine: eng, Webhook: "test-lookups", Log: logr.Discard(), Check: c.check, Warn: warn}
			resp := h.Handle(context.Background(), request(c.spec))
			if resp.Allowed != c.allowed {
				t.Fatalf("allowed = %v, want %v: %+v", resp.Allowed, c.allowed, resp.Result)
			}
			if !c.allowed {
				msg := resp.Result.Message
				if !strings.Contains(msg, c.message) || (c.notMessage != "" && strings.Contains(msg, c.notMessage)) {
					t.Errorf("denial %q: want %q in it, and not %q", msg, c.message, c.notMessage)
				}
			}
			hasWarning := slices.ContainsFunc(resp.Warnings, func(w string) bool { return strings.Contains(w, "Secret missing") })
			if hasWarning != c.wantWarning {
				t.Errorf("warnings %q: want the existence warning %v", resp.Warnings, c.wantWarning)
			}
		})
	}

	// Each lookup waits until the other has started: one after the other,
	// the first would wait for good (the guard ends the test instead).
	t.Run("lookups overlap", func(t *testing.T) {
		checkStarted, warnStarted := make(chan struct{}), make(chan struct{})
		guard := time.After(time.Minute)
		meet := func(mine, other chan struct{}) func(context.Context, admission.Request) []engine.Violation {
			return func(context.Context, admission.Request) []engine.Violation {
				close(mine)
				select {
				case <-other:
					return nil
				case <-guard:
					return []engine.Violation{{Message: "the other lookup never started"}}
				}
			}
		}
		h := &PolicyHandler{Engine: eng, Webhook: "test-lookups", Log: logr.Discard(),
			Check: meet(checkStarted, warnStarted), Warn: meet(warnStarted, checkStarted)}
		resp := h.Handle(context.Background(), request(benchRunSpec))
		if !resp.Allowed || len(resp.Warnings) > 0 {
			t.Fatalf("response %+v, %q: want allowed without warnings", resp.Result, resp.Warnings)
		}
	})
}
