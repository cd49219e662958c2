package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// slowBundle's rule iterates 10^10 times: without a bound it would hold
// its caller for hours.
var slowBundle = Bundle{Name: "slow", Modules: map[string]string{"runs/slow.rego": `package weir.runs

deny contains "never" if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
}
`}}

func TestDecisionTimeout(t *testing.T) {
	e := New(WithDecisionTimeout(50 * time.Millisecond))
	if _, err := e.Load(context.Background(), slowBundle); err != nil {
		t.Fatal(err)
	}
	_, err := e.Decide(context.Background(), runInput(t, seedSpec))
	var de *DecisionError
	if !errors.As(err, &de) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a *DecisionError wrapping context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), `policy bundle "slow"`) || !strings.Contains(err.Error(), "evaluating data.weir.runs timed out") {
		t.Errorf("err = %q, want the bundle and the timeout named", err)
	}
}

func TestDefaultDecisionTimeout(t *testing.T) {
	if New().timeout != DefaultDecisionTimeout || DefaultDecisionTimeout <= 0 {
		t.Fatalf("New() bounds decisions by %v, want DefaultDecisionTimeout", New().timeout)
	}
}

func TestDecisionCancelledWithContext(t *testing.T) {
	e := loaded(t, slowBundle)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Decide(ctx, runInput(t, seedSpec))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "was cancelled") {
		t.Fatalf("err = %v, want the cancellation", err)
	}
}

// OPA's message can quote values of the request or the bundle's data; it
// stays out of the error a user, a status or an Event sees.
func TestDecisionErrorKeepsValuesOut(t *testing.T) {
	const secret = "hunter2-in-the-request"
	b := Bundle{Name: "conflict", Modules: map[string]string{"runs/c.rego": `package weir.runs

deny contains {"msg": input.object.spec.runs[0].postgresql.password, "field": 1}
`}}
	in := runInput(t, `{"runs": [{"postgresql": {"password": "`+secret+`"}}]}`)
	_, err := loaded(t, b).Decide(context.Background(), in)
	var de *DecisionError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *DecisionError", err)
	}
	if strings.Contains(err.Error(), secret) || !strings.Contains(de.Detail(), secret) {
		t.Errorf("Error() = %q, Detail() = %q: want the value in the detail only", err, de.Detail())
	}
	want := `policy bundle "conflict" (revision ` + de.Revision + `): evaluating data.weir.runs failed; the operator's log has the details`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	// In mode warn the failure is a warning a user sees: the same safe text.
	b.Mode = ModeWarn
	d := decide(t, loaded(t, b), in)
	if len(d.Warnings) != 1 || strings.Contains(d.Warnings[0].Message, secret) {
		t.Errorf("mode warn: %+v", d.Warnings)
	}
}
