package policybundles

import (
	"strings"
	"testing"
	"unicode/utf8"

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

// A status write over the CRD's bounds is refused whole, so long compiler
// messages and file names are cut to fit, on a rune boundary.
func TestCompileErrorsFitTheCRD(t *testing.T) {
	long := strings.Repeat("é", maxErrorMessageLen) // 2 bytes a rune
	ps := []engine.Problem{{File: "acme/" + strings.Repeat("f", 300), Message: long}, {Message: ""}}
	got := compileErrors("acme", ps)
	if n := len(got[0].Message); n > maxErrorMessageLen || !utf8.ValidString(got[0].Message) || !strings.HasSuffix(got[0].Message, "…") {
		t.Errorf("message: %d bytes, valid UTF-8 %v", n, utf8.ValidString(got[0].Message))
	}
	if len(got[0].File) > maxFileLen {
		t.Errorf("file: %d bytes", len(got[0].File))
	}
	if got[1].Message == "" {
		t.Error("an empty compiler message must still give the required message")
	}
	c := readyCondition(bundleResource("acme", ""), report{verdict: verdict{reason: policiesv1.ReasonCompileFailed, problems: ps}, revision: "r1"})
	if len(c.Message) > maxFirstProblemLen+200 || !strings.HasSuffix(c.Message, "last good revision r1 stays in force") {
		t.Errorf("condition message: %d bytes, ends %q", len(c.Message), c.Message[len(c.Message)-60:])
	}
}
