package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
)

// TestRuleProfile is a tool, not a check: with WEIR_RULE_PROFILE=1 it
// decides the two benchmark requests 200 times under OPA's profiler and
// logs, per compiled expression, how often it is evaluated per decision
// (OPA's times are inflated by the profiler itself; the counts are
// exact). With WEIR_RULE_PROFILE=cold the memo of pure functions is off.
//
//	WEIR_RULE_PROFILE=1 go test ./policies/engine -run TestRuleProfile -v
func TestRuleProfile(t *testing.T) {
	mode := os.Getenv("WEIR_RULE_PROFILE")
	if mode == "" {
		t.Skip("a profiling tool: set WEIR_RULE_PROFILE=1 (or cold) to run it")
	}
	sources := loaded(t, withSources(DefaultBundle(), builtinSources(t)))
	def := loaded(t, DefaultBundle())
	withTemplate := workspaceInput(sample(t, "workspace_v1alpha1_workspace_with_template.yaml"), sample(t, templateSample))
	const n = 200
	for _, c := range []struct {
		name, plural string
		e            *Engine
		in           Input
	}{{"run/seed-sources", "runs", sources, runInput(t, seedSpec)}, {"workspace/template", "workspaces", def, withTemplate}} {
		cb := c.e.cur.Load().bundles[0]
		q := cb.queries[c.plural].prepared
		memo := cb.memo
		if mode == "cold" {
			memo = nil
		}
		input, _ := c.in.value()
		eval := func(opts ...rego.EvalOption) {
			vc := newLayeredCache(cb.constants, memo)
			opts = append(opts, rego.EvalParsedInput(input), rego.EvalVirtualCache(vc), rego.EvalInterQueryBuiltinValueCache(cb.values))
			if _, err := q.Eval(context.Background(), opts...); err != nil {
				t.Fatal(err)
			}
			memo.add(vc.computed)
		}
		eval() // warm the memo, as the benchmark's first decision does
		p := profiler.New()
		for range n {
			eval(rego.EvalQueryTracer(p))
		}
		total := 0
		var top strings.Builder
		for i, s := range p.ReportTopNResults(-1, []string{"num_eval"}) {
			total += s.NumEval
			if i < 40 {
				top.WriteString("\n" + strings.Join([]string{
					pad(s.NumEval/n, 5), pad(int(s.ExprTimeNs/n/1000), 6) + " µs ",
					s.Location.File + ":" + pad(s.Location.Row, 0), firstLine(string(s.Location.Text)),
				}, " "))
			}
		}
		t.Logf("%s (%s): %d expression evaluations per decision; evals/decision, profiled time/decision, expression:%s",
			c.name, mode, total/n, top.String())
	}
}

func pad(n, w int) string { return fmt.Sprintf("%*d", w, n) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
