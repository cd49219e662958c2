package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
)

// BenchmarkRuleProfile decides the two benchmark requests under OPA's
// profiler and reports how many compiled expressions a decision
// evaluates (exprs/op, exact, where ns/op is inflated by the profiler);
// with -v it logs, per expression, how often it is evaluated per decision
// and its profiled time, the 40 most evaluated first, to find hot rules:
//
//	go test ./policies/engine -run '^$' -bench BenchmarkRuleProfile -benchtime 200x -v
//
// warm: the memo of pure functions on, as for a request like those before
// it; cold: off.
func BenchmarkRuleProfile(b *testing.B) {
	sources := loaded(b, withSources(DefaultBundle(), builtinSources(b)))
	def := loaded(b, DefaultBundle())
	withTemplate := workspaceInput(sample(b, "workspace_v1alpha1_workspace_with_template.yaml"), sample(b, templateSample))
	for _, c := range []struct {
		name, plural string
		e            *Engine
		in           Input
	}{{"run/seed-sources", "runs", sources, runInput(b, seedSpec)}, {"workspace/template", "workspaces", def, withTemplate}} {
		for _, mode := range []string{"warm", "cold"} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				cb := c.e.cur.Load().bundles[0]
				q, err := cb.queries[c.plural][AllParts].reference(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				memo := cb.memo
				if mode == "cold" {
					memo = nil
				}
				input, err := c.in.value()
				if err != nil {
					b.Fatal(err)
				}
				eval := func(opts ...rego.EvalOption) {
					vc := newLayeredCache(cb.constants, memo)
					opts = append(opts, rego.EvalParsedInput(input), rego.EvalVirtualCache(vc), rego.EvalInterQueryBuiltinValueCache(cb.values))
					if _, err := q.Eval(context.Background(), opts...); err != nil {
						b.Fatal(err)
					}
					memo.add(vc.computed)
				}
				eval() // warm the memo, as the decision benchmark's first decision does
				p := profiler.New()
				b.ResetTimer()
				for range b.N {
					eval(rego.EvalQueryTracer(p))
				}
				b.StopTimer()
				total := 0
				var top strings.Builder
				for i, s := range p.ReportTopNResults(-1, []string{"num_eval"}) {
					total += s.NumEval
					if i < 40 {
						top.WriteString("\n" + strings.Join([]string{
							pad(s.NumEval/b.N, 5), pad(int(s.ExprTimeNs/int64(b.N)/1000), 6) + " µs ",
							s.Location.File + ":" + pad(s.Location.Row, 0), firstLine(string(s.Location.Text)),
						}, " "))
					}
				}
				if total == 0 {
					b.Fatal("the profiler saw no expression evaluated")
				}
				b.ReportMetric(float64(total)/float64(b.N), "exprs/op")
				if testing.Verbose() { // benchmarks' logs print always; make bench wants the figure alone
					b.Logf("%d expression evaluations per decision; evals/decision, profiled time/decision, expression:%s", total/b.N, top.String())
				}
			})
		}
	}
}

func pad(n, w int) string { return fmt.Sprintf("%*d", w, n) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
