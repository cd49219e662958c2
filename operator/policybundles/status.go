package policybundles

import (
	"fmt"
	"strings"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// maxErrors caps status.errors: a broken file can yield many, and the
// first ones are what the author fixes first.
const maxErrors = 20

// The CRD's bounds (CompileError.file and .message, a condition's message):
// a compiler message can quote a whole source line, and a status write over
// a bound is refused, losing every other field of the write with it.
const (
	maxFileLen         = 253
	maxErrorMessageLen = 32768
	maxFirstProblemLen = 4096
)

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = " …"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// readyCondition says whether the bundle's spec is in force and, if not,
// what is.
func readyCondition(pb *policiesv1.PolicyBundle, r report) metav1.Condition {
	c := metav1.Condition{Type: policiesv1.ConditionReady, Status: metav1.ConditionFalse,
		Reason: r.reason, ObservedGeneration: pb.Generation}
	isDefault := pb.Name == policiesv1.DefaultBundleName
	switch r.reason {
	case policiesv1.ReasonLoaded:
		c.Status = metav1.ConditionTrue
		c.Message = fmt.Sprintf("revision %s is in force", r.revision)
		switch {
		case isDefault && r.asShipped:
			c.Message = fmt.Sprintf("the embedded bundle is in force as shipped (revision %s); spec.data and spec.modules customise it", r.revision)
		case isDefault:
			c.Message = fmt.Sprintf("the embedded bundle with this customisation is in force as revision %s", r.revision)
		}
		return c
	case policiesv1.ReasonDefaultDisabled:
		c.Message = "the operator runs without the embedded default bundle, so this customisation of it has no effect"
		return c
	case policiesv1.ReasonNoModules:
		c.Message = noModulesMessage
	default:
		c.Message = fmt.Sprintf("%d compile error(s), first: %s", len(r.problems), firstProblem(r.problems))
	}
	switch {
	case r.embedded:
		c.Message += fmt.Sprintf("; nothing from this bundle is in force: the embedded default bundle stays in force as shipped (revision %s)", r.revision)
	case r.revision != "" && r.restored:
		c.Message += fmt.Sprintf("; last good revision %s, saved before the operator restarted, stays in force", r.revision)
	case r.revision != "":
		c.Message += fmt.Sprintf("; last good revision %s stays in force", r.revision)
	default:
		c.Message += "; nothing from this bundle is in force"
	}
	return c
}

func firstProblem(ps []engine.Problem) string {
	if len(ps) == 0 {
		return "unknown"
	}
	return clip(ps[0].String(), maxFirstProblemLen)
}

// compileErrors are the problems as status shows them: files named as in
// spec.modules (the engine prefixes the bundle's name), OPA's error class
// kept in the message.
func compileErrors(bundle string, ps []engine.Problem) []policiesv1.CompileError {
	if len(ps) == 0 {
		return nil
	}
	out := make([]policiesv1.CompileError, 0, min(len(ps), maxErrors))
	for i, p := range ps {
		if i == maxErrors {
			more := fmt.Sprintf(" (and %d more)", len(ps)-maxErrors)
			last := &out[maxErrors-1]
			last.Message = clip(last.Message, maxErrorMessageLen-len(more)) + more
			break
		}
		msg := p.Message
		if p.Code != "" {
			msg = p.Code + ": " + msg
		}
		if msg == "" {
			msg = "(the compiler gave no message)" // the CRD requires one
		}
		out = append(out, policiesv1.CompileError{
			File:    clip(strings.TrimPrefix(p.File, bundle+"/"), maxFileLen),
			Line:    int32(max(p.Line, 0)),
			Column:  int32(max(p.Col, 0)),
			Message: clip(msg, maxErrorMessageLen),
		})
	}
	return out
}
