package policybundles

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

func TestCompileErrors(t *testing.T) {
	ps := []engine.Problem{{File: "acme/runs/x.rego", Line: 3, Col: 2, Code: "rego_parse_error", Message: "unexpected eof"}}
	for range 25 {
		ps = append(ps, engine.Problem{Message: "more"})
	}
	got := compileErrors("acme", ps)
	if len(got) != maxErrors || got[0] != (policiesv1.CompileError{File: "runs/x.rego", Line: 3, Column: 2, Message: "rego_parse_error: unexpected eof"}) {
		t.Errorf("errors = %+v", got[:1])
	}
	if !strings.HasSuffix(got[maxErrors-1].Message, "(and 6 more)") {
		t.Errorf("last = %q", got[maxErrors-1].Message)
	}
}

func TestReadyMessages(t *testing.T) {
	failed := verdict{reason: policiesv1.ReasonCompileFailed, problems: []engine.Problem{{Message: "boom"}}}
	for _, tc := range []struct {
		name string
		r    report
		want string
	}{
		{"acme", report{verdict: verdict{reason: policiesv1.ReasonLoaded}, revision: "r1"}, "revision r1 is in force"},
		{"acme", report{verdict: failed, revision: "r1"}, "1 compile error(s), first: boom; last good revision r1 stays in force"},
		{"acme", report{verdict: failed}, "; nothing from this bundle is in force"},
		{"acme", report{verdict: verdict{reason: policiesv1.ReasonNoModules}}, "has no modules"},
		{"default", report{verdict: failed, revision: "e1", embedded: true}, "the embedded default bundle stays in force as shipped (revision e1)"},
		{"default", report{verdict: verdict{reason: policiesv1.ReasonDefaultDisabled}}, "without the embedded default bundle"},
	} {
		c := readyCondition(bundleResource(tc.name, ""), tc.r)
		if !strings.Contains(c.Message, tc.want) || (c.Status == metav1.ConditionTrue) != (tc.r.reason == policiesv1.ReasonLoaded) {
			t.Errorf("%s %+v: %s %q, want %q", tc.name, tc.r, c.Status, c.Message, tc.want)
		}
	}
}
