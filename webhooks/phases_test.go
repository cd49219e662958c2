package webhooks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/weir-dev/weir/policies/engine"
)

// phaseCount is how many requests weir_webhook_phase_seconds observed for
// webhook in phase.
func phaseCount(t *testing.T, webhook, phase string) uint64 {
	t.Helper()
	var m dto.Metric
	if err := phaseDuration.WithLabelValues(webhook, "CREATE", phase).(prometheus.Histogram).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

// Every request observes each phase it goes through once, and only those:
// the breakdown in docs/performance.md adds them up per request.
func TestPhasesRecorded(t *testing.T) {
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
	none := func(context.Context, admission.Request) []engine.Violation { return nil }
	for _, c := range []struct {
		name, spec string
		mutating   bool
		want       map[string]uint64
	}{
		{"test-validate-phases", benchRunSpec, false, map[string]uint64{
			"decode": 2, "access": 2, "related": 2, "evaluate": 2, "references": 2, "wait": 2, "encode": 2}},
		{"test-mutate-phases", benchRunNoResources, true, map[string]uint64{
			"decode": 2, "access": 0, "related": 2, "evaluate": 2, "references": 0, "wait": 0, "encode": 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &PolicyHandler{Engine: eng, Webhook: c.name, Mutating: c.mutating, Log: logr.Discard(), Check: none, Warn: none}
			for range 2 {
				resp := h.Handle(context.Background(), request(c.spec))
				if !resp.Allowed || (len(resp.Patches) > 0 || len(resp.Patch) > 0) != c.mutating {
					t.Fatalf("response %+v: want allowed, patched only when mutating", resp.AdmissionResponse)
				}
			}
			for _, p := range phaseNames {
				if got := phaseCount(t, c.name, p); got != c.want[p] {
					t.Errorf("phase %s observed %d times, want %d", p, got, c.want[p])
				}
			}
		})
	}
}
