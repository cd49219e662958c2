package engine

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// kindQuery is one bundle's decision query for one package: compiled once
// at load and evaluated by topdown directly. rego.PreparedEvalQuery.Eval
// costs, per decision, a goroutine watching the context, a metrics map and
// the conversion of the whole result set to Go values; a decision needs
// none of them (it reads three sets, usually empty). The differential
// test prepares the same query through the rego package (its reference
// path, which must decide alike) from plural, rules, compiler and store.
type kindQuery struct {
	body     ast.Body // compiled: data.weir.<plural>.deny = deny, ...
	plural   string
	rules    []string // deny, warn, patch: the variables body binds
	compiler *ast.Compiler
	store    storage.Store
}

// noMetrics is shared by every evaluation: topdown then allocates no
// metrics of its own, and nothing reads them.
var noMetrics = metrics.NoOp()

// prepareKind compiles the decision query of one package. The query
// unifies (=) rather than assigns (:=), so the compiler keeps the
// variables' names and the bindings need no renaming; an undefined rule
// makes either form undefined.
func prepareKind(c *ast.Compiler, store storage.Store, plural string, rules []string) (*kindQuery, error) {
	body := ast.NewBody()
	for _, r := range rules {
		ref := ast.MustParseRef(fmt.Sprintf("data.weir[%q].%s", plural, r))
		body.Append(ast.Equality.Expr(ast.NewTerm(ref), ast.VarTerm(r)))
	}
	compiled, err := c.QueryCompiler().Compile(body)
	if err != nil {
		return nil, err
	}
	return &kindQuery{body: compiled, plural: plural, rules: rules, compiler: c, store: store}, nil
}

// eval evaluates the query on input and returns the rules' values as Go
// values (what rego's result set would hold), or nil when undefined.
func (k *kindQuery) eval(ctx context.Context, input ast.Value, cb *compiledBundle, vc topdown.VirtualCache) (rego.Vars, error) {
	txn, err := k.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer k.store.Abort(ctx, txn)
	// Cancellation without a goroutine per decision: the context's own
	// AfterFunc stops the evaluation when its deadline passes.
	cancel := topdown.NewCancel()
	stop := context.AfterFunc(ctx, cancel.Cancel)
	defer stop()
	q := topdown.NewQuery(k.body).
		WithCompiler(k.compiler).
		WithStore(k.store).
		WithTransaction(txn).
		WithMetrics(noMetrics).
		WithInput(ast.NewTerm(input)).
		WithVirtualCache(vc).
		WithInterQueryBuiltinValueCache(cb.values).
		WithCancel(cancel).
		WithIndexing(true).
		WithEarlyExit(true)
	var out rego.Vars
	err = q.Iter(ctx, func(qr topdown.QueryResult) error {
		if out != nil {
			return nil // complete rules: one result at most, as evaluate reads rs[0]
		}
		out = make(rego.Vars, len(k.rules))
		for _, r := range k.rules {
			t, ok := qr[ast.Var(r)]
			if !ok {
				continue
			}
			v, err := ast.JSON(t.Value)
			if err != nil {
				return err
			}
			out[r] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
