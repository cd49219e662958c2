package engine

import (
	"context"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// A bundle's data is fixed for its revision, so a rule that reads no
// input has the same value in every decision: the default Run rules'
// secret_names, for instance, run 14 regex.replace and lower calls on
// settings.runs.secretKeys, and OPA would redo them per decision (its
// virtual cache lives for one query). constantRules evaluates such rules
// once, at load, and every decision starts with their values cached.

// constantRules evaluates, once, every complete rule (no arguments, one
// value, a ground name) whose value cannot depend on the request: neither
// it nor any rule or function it reaches reads input, uses `with`, calls a
// or calls a non-deterministic built-in. A rule
// that fails to evaluate is left to be evaluated (and fail) per decision.
// The result is read-only: decisions read it concurrently.
func constantRules(ctx context.Context, c *ast.Compiler, store storage.Store) topdown.VirtualCache {
	pure := purity{c: c, memo: map[*ast.Rule]bool{}}
	cache := topdown.NewVirtualCache()
	done := map[string]bool{}
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			if len(r.Head.Args) > 0 || r.Head.RuleKind() != ast.SingleValue || !r.Head.Ref().IsGround() {
				continue
			}
			ref := r.Ref()
			key := ref.String()
			if done[key] {
				continue
			}
			done[key] = true
			if !pure.refPure(ref) {
				continue
			}
			rs, err := rego.New(rego.ParsedQuery(ast.NewBody(ast.Equality.Expr(ast.VarTerm("x"), ast.NewTerm(ref)))),
				rego.Compiler(c), rego.Store(store), rego.Capabilities(capabilities())).Eval(ctx)
			if err != nil || len(rs) != 1 {
				continue // undefined or failing: evaluated per decision, as before
			}
			v, err := ast.InterfaceToValue(rs[0].Bindings["x"])
			if err != nil {
				continue
			}
			cache.Put(ref, ast.NewTerm(v))
		}
	}
	return cache
}

// purity decides, with a memo, whether rules depend on nothing but data.
type purity struct {
	c    *ast.Compiler
	memo map[*ast.Rule]bool
}

// refPure: every rule that may produce (part of) the document at ref is pure.
func (p *purity) refPure(ref ast.Ref) bool {
	for _, r := range p.c.GetRules(ref) {
		if !p.rulePure(r) {
			return false
		}
	}
	return true
}

func (p *purity) rulePure(r *ast.Rule) bool {
	if v, ok := p.memo[r]; ok {
		return v
	}
	p.memo[r] = false // Rego has no recursion; this only guards a cycle
	ok := true
	ast.WalkExprs(r, func(e *ast.Expr) bool {
		if len(e.With) > 0 {
			ok = false
		}
		if e.IsCall() {
			if b, found := ast.BuiltinMap[e.Operator().String()]; found && b.Nondeterministic {
				ok = false
			}
		}
		return !ok
	})
	ast.WalkRefs(r, func(ref ast.Ref) bool {
		switch {
		case !ok:
		case ref.HasPrefix(ast.InputRootRef):
			ok = false
		case ref.HasPrefix(ast.DefaultRootRef):
			// Every rule a ref with variables may reach is under its
			// ground prefix (data.weir.runs.settings.secretKeys[_]).
			ok = p.refPure(ref.GroundPrefix())
		}
		return !ok
	})
	if ok && r.Else != nil {
		ok = p.rulePure(r.Else)
	}
	p.memo[r] = ok
	return ok
}

// layeredCache is one decision's virtual cache: the revision's constant
// rules under OPA's own per-query cache. Under a `with` (a pushed frame)
// the constants are not used, since `with data...` could change them.
type layeredCache struct {
	constants topdown.VirtualCache
	own       topdown.VirtualCache
	depth     int
}

func newLayeredCache(constants topdown.VirtualCache) *layeredCache {
	return &layeredCache{constants: constants, own: topdown.NewVirtualCache()}
}

func (l *layeredCache) Push() { l.own.Push(); l.depth++ }
func (l *layeredCache) Pop()  { l.own.Pop(); l.depth-- }

func (l *layeredCache) Get(ref ast.Ref) (*ast.Term, bool) {
	if l.depth == 0 {
		if v, _ := l.constants.Get(ref); v != nil {
			return v, false
		}
	}
	return l.own.Get(ref)
}

func (l *layeredCache) Put(ref ast.Ref, value *ast.Term) { l.own.Put(ref, value) }

func (l *layeredCache) Keys() []ast.Ref { return l.own.Keys() }
