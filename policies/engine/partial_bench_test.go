package engine

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// BenchmarkPartialEval measures OPA's partial evaluation as a way to
// prepare a kind's decision query, and is why the engine does not use it
// (docs/performance.md): with input unknown, each kind's query is partially
// evaluated against the bundle's data at load, and the residual (support
// modules and query, compiled with the bundle) decides the benchmark
// requests. It reports exprs/op (exact, as BenchmarkRuleProfile) and
// allocs/op beside the plain query's; the residual's own constant rules
// and memo of pure functions are rebuilt, as compileBundle would (cold:
// without the memo, as BenchmarkRuleProfile's cold). A mode
// whose residual does not compile is logged and skipped (OPA's default
// inlining leaves a comprehension's closed-over variable unsafe in the
// default bundle's residual).
//
//	go test ./policies/engine -run '^$' -bench BenchmarkPartialEval -benchmem -v
func BenchmarkPartialEval(b *testing.B) {
	sources := loaded(b, withSources(DefaultBundle(), builtinSources(b)))
	def := loaded(b, DefaultBundle())
	withTemplate := workspaceInput(sample(b, "workspace_v1alpha1_workspace_with_template.yaml"), sample(b, templateSample))
	modes := []struct {
		name string
		opts func(k *kindQuery) []func(*rego.Rego)
	}{
		{"plain", nil},
		{"inline", func(*kindQuery) []func(*rego.Rego) { return nil }},
		{"shallow", func(*kindQuery) []func(*rego.Rego) { return []func(*rego.Rego){rego.ShallowInlining(true)} }},
		// keep: every rule but the decision sets themselves stays a rule
		// (so topdown caches it per query) and only data is folded in.
		{"keep", func(k *kindQuery) []func(*rego.Rego) {
			return []func(*rego.Rego){rego.DisableInlining(helperRules(k))}
		}},
	}
	for _, c := range []struct {
		name string
		e    *Engine
		in   Input
	}{{"run/seed-sources", sources, runInput(b, seedSpec)}, {"workspace/template", def, withTemplate}} {
		cb := c.e.cur.Load().bundles[0]
		plain := cb.queries[Package(c.in.Kind)][AllParts]
		input, err := c.in.value()
		if err != nil {
			b.Fatal(err)
		}
		want, err := plain.eval(context.Background(), input, cb, newLayeredCache(cb.constants, nil))
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range modes {
			for _, cold := range []bool{false, true} {
				b.Run(c.name+"/"+m.name+map[bool]string{false: "/warm", true: "/cold"}[cold], func(b *testing.B) {
					q, constants, memo := plain, cb.constants, cb.memo
					if m.opts != nil {
						if q, err = partialQuery(plain, m.opts(plain)...); err != nil {
							b.Skipf("residual: %v", err)
						}
						pure := newPurity(q.compiler)
						constants, memo = constantRules(context.Background(), q.compiler, q.store, pure), newFuncMemo(q.compiler, pure)
					}
					if cold {
						memo = nil
					}
					eval := func(tr topdown.QueryTracer) rego.Vars {
						vc := newLayeredCache(constants, memo)
						got, err := q.evalTraced(input, cb, vc, tr)
						if err != nil {
							b.Fatal(err)
						}
						memo.add(vc.computed)
						return got
					}
					if got := eval(nil); !reflect.DeepEqual(got, want) {
						b.Fatalf("the residual decides\n%v\nthe plain query\n%v", got, want)
					}
					p := profiler.New()
					eval(p)
					exprs := 0
					for _, s := range p.ReportTopNResults(-1, []string{"num_eval"}) {
						exprs += s.NumEval
					}
					b.ReportAllocs()
					for b.Loop() {
						eval(nil)
					}
					b.ReportMetric(float64(exprs), "exprs/op")
				})
			}
		}
	}
}

// helperRules are the paths of every rule of k's compiler but k's
// decision sets.
func helperRules(k *kindQuery) []string {
	var paths []string
	for _, m := range k.compiler.Modules {
		for _, r := range m.Rules {
			if n := r.Head.Ref()[0].Value.String(); m.Package.Path.Equal(ast.MustParseRef("data.weir."+k.plural)) &&
				(n == ruleDeny || n == ruleWarn || n == rulePatch) {
				continue
			}
			paths = append(paths, r.Ref().GroundPrefix().String())
		}
	}
	return paths
}

// partialQuery partially evaluates k's query with input unknown and
// compiles the residual with the bundle's modules.
func partialQuery(k *kindQuery, opts ...func(*rego.Rego)) (*kindQuery, error) {
	body := ast.NewBody()
	for _, r := range k.rules {
		body.Append(ast.Equality.Expr(ast.NewTerm(ast.MustParseRef(fmt.Sprintf("data.weir[%q].%s", k.plural, r))), ast.VarTerm(r)))
	}
	opts = append(opts, rego.ParsedQuery(body), rego.Compiler(k.compiler), rego.Store(k.store),
		rego.Capabilities(capabilities()), rego.ParsedUnknowns([]*ast.Term{ast.NewTerm(ast.InputRootRef)}))
	pq, err := rego.New(opts...).Partial(context.Background())
	if err != nil {
		return nil, err
	}
	if len(pq.Queries) != 1 {
		return nil, fmt.Errorf("%d residual queries, want 1", len(pq.Queries))
	}
	mods := map[string]*ast.Module{}
	for name, m := range k.compiler.Modules {
		mods[name] = m.Copy()
	}
	for i, m := range pq.Support {
		mods[fmt.Sprintf("partial/%d.rego", i)] = m
	}
	c := ast.NewCompiler().WithCapabilities(capabilities())
	if c.Compile(mods); c.Failed() {
		return nil, fmt.Errorf("the residual does not compile (%d errors), first: %w", len(c.Errors), c.Errors[0])
	}
	compiled, err := c.QueryCompiler().Compile(pq.Queries[0])
	if err != nil {
		return nil, err
	}
	return &kindQuery{body: compiled, plural: k.plural, rules: k.rules, compiler: c, store: k.store}, nil
}

// evalTraced is eval with a query tracer (the profiler) and no deadline.
func (k *kindQuery) evalTraced(input ast.Value, cb *compiledBundle, vc topdown.VirtualCache, tr topdown.QueryTracer) (rego.Vars, error) {
	if tr == nil {
		return k.eval(context.Background(), input, cb, vc)
	}
	ctx := context.Background()
	txn, err := k.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer k.store.Abort(ctx, txn)
	q := topdown.NewQuery(k.body).WithCompiler(k.compiler).WithStore(k.store).WithTransaction(txn).
		WithMetrics(noMetrics).WithInput(ast.NewTerm(input)).WithVirtualCache(vc).
		WithInterQueryBuiltinValueCache(cb.values).WithIndexing(true).WithEarlyExit(true).WithQueryTracer(tr)
	var out rego.Vars
	err = q.Iter(ctx, func(topdown.QueryResult) error { out = rego.Vars{}; return nil })
	return out, err
}
