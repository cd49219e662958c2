package engine

import (
	"context"
	"reflect"
	"slices"
	"sync"

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
func constantRules(ctx context.Context, c *ast.Compiler, store storage.Store, pure *purity) topdown.VirtualCache {
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

func newPurity(c *ast.Compiler) *purity { return &purity{c: c, memo: map[*ast.Rule]bool{}} }

// purity decides, with a memo, whether rules depend on nothing but data
// (and, for functions, their arguments).
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
// rules and its memo of pure functions under OPA's own per-query cache.
// Under a `with` (a pushed frame) neither is used, since `with` can
// replace data and functions.
type layeredCache struct {
	constants topdown.VirtualCache
	memo      *funcMemo
	own       topdown.VirtualCache
	depth     int
	computed  []memoEntry // function results of this decision, for the memo
}

func newLayeredCache(constants topdown.VirtualCache, memo *funcMemo) *layeredCache {
	return &layeredCache{constants: constants, memo: memo, own: topdown.NewVirtualCache()}
}

func (l *layeredCache) Push() { l.own.Push(); l.depth++ }
func (l *layeredCache) Pop()  { l.own.Pop(); l.depth-- }

func (l *layeredCache) Get(ref ast.Ref) (*ast.Term, bool) {
	if v, undefined := l.own.Get(ref); v != nil || undefined || l.depth > 0 {
		return v, undefined
	}
	if isCallKey(ref) {
		return l.memo.get(ref), false
	}
	v, _ := l.constants.Get(ref)
	return v, false
}

func (l *layeredCache) Put(ref ast.Ref, value *ast.Term) {
	l.own.Put(ref, value)
	if l.depth == 0 && value != nil && isCallKey(ref) {
		l.computed = append(l.computed, memoEntry{slices.Clone(ref), value})
	}
}

func (l *layeredCache) Keys() []ast.Ref { return l.own.Keys() }

// isCallKey: OPA caches a function call's result under [function, args...],
// a rule's value under its path (data.weir.runs.spec).
func isCallKey(ref ast.Ref) bool {
	if len(ref) == 0 {
		return false
	}
	_, ok := ref[0].Value.(ast.Ref)
	return ok
}

// A function's value depends on its arguments alone when the function is
// pure (reads no input, no `with`, no non-deterministic built-in): Weir's
// helpers (fields.path, quantity.parse, the cron field checks, key_form...)
// are called with the same arguments by request after request. funcMemo
// keeps their results across the decisions of one revision. A decision
// adds what it computed only once it has succeeded, so a call that a
// later rule body would have found to conflict never enters it; OPA itself
// stops at a first result only when every body agrees on the value.
type funcMemo struct {
	pure map[string]bool // function path -> pure
	mu   sync.RWMutex
	tree topdown.VirtualCache
	n    int
}

type memoEntry struct {
	key   ast.Ref
	value *ast.Term
}

// memoEntries bounds the memo; when full it starts again empty.
const memoEntries = 4096

func newFuncMemo(c *ast.Compiler, pure *purity) *funcMemo {
	m := &funcMemo{pure: map[string]bool{}, tree: topdown.NewVirtualCache()}
	for _, mod := range c.Modules {
		for _, r := range mod.Rules {
			if len(r.Head.Args) == 0 || !r.Head.Ref().IsGround() {
				continue
			}
			ref := r.Ref()
			if key := ref.String(); !m.pure[key] && pure.refPure(ref) {
				m.pure[key] = true
			}
		}
	}
	return m
}

func (m *funcMemo) get(key ast.Ref) *ast.Term {
	if m == nil {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, _ := m.tree.Get(key)
	return v
}

// add keeps the pure functions' results of a decision that succeeded.
// Values taken lazily from the input are left out: they are one
// decision's, and converting them on read would race.
func (m *funcMemo) add(entries []memoEntry) {
	if m == nil || len(entries) == 0 {
		return
	}
	keep := entries[:0]
	for _, e := range entries {
		if m.pure[e.key[0].Value.String()] && shareable(e.value.Value) && !slices.ContainsFunc(e.key[1:], func(t *ast.Term) bool { return !shareable(t.Value) }) {
			keep = append(keep, e)
		}
	}
	if len(keep) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range keep {
		if m.n >= memoEntries {
			m.tree, m.n = topdown.NewVirtualCache(), 0
		}
		if v, _ := m.tree.Get(e.key); v == nil {
			m.tree.Put(e.key, e.value)
			m.n++
		}
	}
}

var lazyObjectType = reflect.TypeOf(ast.LazyObject(nil))

// shareable: v holds no lazily converted part of an input. It walks the
// whole value without allocating (the callbacks capture nothing): it is
// called on every memoised result and json.match_schema operand.
func shareable(v ast.Value) bool {
	switch x := v.(type) {
	case ast.Object:
		return reflect.TypeOf(x) != lazyObjectType && !x.Until(unshareablePair)
	case *ast.Array:
		return !x.Until(unshareable)
	case ast.Set:
		return !x.Until(unshareable)
	}
	return true
}

func unshareable(t *ast.Term) bool        { return !shareable(t.Value) }
func unshareablePair(k, v *ast.Term) bool { return !shareable(k.Value) || !shareable(v.Value) }
