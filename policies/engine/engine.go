// Package engine evaluates Weir's policies (Rego, OPA v1) for admission.
//
// Each bundle is compiled on its own, together with Weir's library
// (packages weir.lib...), against its own data; the rules of a kind live in
// package weir.<plural> (data.weir.runs for Runs), or in its group's
// package (data.weir.workspaces for every kind of workspace.jupyter.org),
// as the sets deny, warn and patch. Because bundles are compiled apart,
// every violation is known to come from one bundle, whose mode then
// decides what it does, and one bundle's names cannot clash with
// another's. Load compiles every bundle and prepares its queries before
// swapping the new set in at once.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Engine decides admission requests with the last bundles loaded. It is
// safe for concurrent use; Decide never waits for Load.
type Engine struct {
	mu      sync.Mutex // serialises Load
	cur     atomic.Pointer[revision]
	timeout time.Duration
}

// DefaultDecisionTimeout bounds one Decide over every bundle. The default
// bundle decides a Run in well under a millisecond; the bound is for a
// bundle that loops or is slow, so it cannot hold an admission request or
// a Run worker.
const DefaultDecisionTimeout = 2 * time.Second

// Option configures an Engine.
type Option func(*Engine)

// WithDecisionTimeout bounds each Decide (all bundles together) by d
// instead of DefaultDecisionTimeout; a decision past it fails with a
// *DecisionError that wraps context.DeadlineExceeded.
func WithDecisionTimeout(d time.Duration) Option {
	return func(e *Engine) { e.timeout = d }
}

// Revision identifies a loaded set of bundles.
type Revision struct {
	// ID is a hash of the bundles' contents, names, modes and order.
	ID string
	// Bundles are the bundles' names in load order.
	Bundles []string
}

type revision struct {
	Revision
	bundles []*compiledBundle
}

// New returns an engine with nothing loaded; Decide fails until Load works.
func New(opts ...Option) *Engine {
	e := &Engine{timeout: DefaultDecisionTimeout}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Current returns the revision in use, if any.
func (e *Engine) Current() (Revision, bool) {
	r := e.cur.Load()
	if r == nil {
		return Revision{}, false
	}
	return r.Revision, true
}

// Load compiles bundles, which together replace what was loaded before
// (include DefaultBundle() to keep Weir's own policies). Decisions are
// taken in the order given. On any error, reported per bundle as *Error
// with file:line:col, nothing changes: the last good revision stays in
// use. Loading the same contents again is cheap and keeps the revision.
func (e *Engine) Load(ctx context.Context, bundles ...Bundle) (Revision, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, err := revisionID(bundles)
	if err != nil {
		return Revision{}, err
	}
	if cur := e.cur.Load(); cur != nil && cur.ID == id {
		return cur.Revision, nil
	}
	rev := &revision{Revision: Revision{ID: id, Bundles: make([]string, 0, len(bundles))}}
	var errs []error
	seen := map[string]bool{}
	for _, b := range bundles {
		if seen[b.Name] {
			errs = append(errs, bundleError(b.Name, "two bundles are named %q", b.Name))
			continue
		}
		seen[b.Name] = true
		cb, err := compileBundle(ctx, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rev.Bundles = append(rev.Bundles, b.Name)
		rev.bundles = append(rev.bundles, cb)
	}
	if len(errs) > 0 {
		return Revision{}, errors.Join(errs...)
	}
	e.cur.Store(rev)
	return rev.Revision, nil
}

// Validate compiles b alone, as Load would, and reports its problems as an
// *Error with file:line:col; it changes nothing.
func (e *Engine) Validate(b Bundle) error {
	_, err := compileBundle(context.Background(), b)
	return err
}

// Decide evaluates the request against every loaded bundle that has rules
// for its kind, within the engine's decision timeout. A bundle that fails
// to evaluate (e.g. a rule producing two values, or the timeout) makes
// Decide fail with a *DecisionError when its mode is deny; in mode warn
// the failure becomes a warning, in dryrun a DryRun entry. Their text
// names the bundle, revision and package only: OPA's message, which may
// quote values from the request or the bundle's data, goes to the
// context's logger (and DecisionError.Detail).
func (e *Engine) Decide(ctx context.Context, in Input) (Decision, error) {
	return e.decide(ctx, in, AllParts, (*Input).value, evaluate)
}

// DecideParts is Decide evaluating only the rules parts names; the
// Decision's other fields stay empty, and a rule it does not evaluate
// cannot fail it.
func (e *Engine) DecideParts(ctx context.Context, in Input, parts Parts) (Decision, error) {
	if err := parts.valid(); err != nil {
		return Decision{}, err
	}
	return e.decide(ctx, in, parts, (*Input).value, evaluate)
}

// evaluator evaluates one bundle's decision query on the input: evaluate,
// or the reference path of the differential test.
type evaluator func(ctx context.Context, q *kindQuery, input ast.Value, cb *compiledBundle) (deny, warn []Violation, ops []PatchOp, err error)

// decide is Decide with the input's conversion and the evaluation given.
func (e *Engine) decide(ctx context.Context, in Input, parts Parts, convert func(*Input) (ast.Value, error), eval evaluator) (Decision, error) {
	rev := e.cur.Load()
	if rev == nil {
		return Decision{}, ErrNoRevision
	}
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	d := Decision{Revision: rev.ID}
	plural := Package(in.Kind)
	var value ast.Value
	for _, b := range rev.bundles {
		qs := b.queries[plural]
		if qs == nil {
			continue
		}
		q := qs[parts]
		if q == nil {
			continue
		}
		if value == nil {
			v, err := convert(&in)
			if err != nil {
				return Decision{Revision: rev.ID}, fmt.Errorf("policy input: %w", err)
			}
			value = v
		}
		deny, warn, ops, err := eval(ctx, q, value, b)
		if err != nil {
			de := &DecisionError{Bundle: b.name, Revision: rev.ID, Package: "data.weir." + plural, Err: err, ctxErr: ctx.Err()}
			logr.FromContextOrDiscard(ctx).Error(errors.New(de.Detail()), "policy evaluation failed",
				"bundle", de.Bundle, "revision", de.Revision, "package", de.Package, "mode", b.mode)
			failure := Violation{Message: de.Error(), Policy: "weir.evaluation", Bundle: b.name}
			switch b.mode {
			case ModeWarn:
				d.Warnings = append(d.Warnings, failure)
			case ModeDryRun:
				d.DryRun = append(d.DryRun, failure)
			default:
				return Decision{Revision: rev.ID}, de
			}
			continue
		}
		switch b.mode {
		case ModeWarn:
			d.Warnings = append(append(d.Warnings, deny...), warn...)
			d.Patch = append(d.Patch, ops...)
		case ModeDryRun:
			d.DryRun = append(append(d.DryRun, deny...), warn...)
			for _, op := range ops {
				d.DryRun = append(d.DryRun, Violation{Message: "would patch " + compact(op), Policy: op.Policy, Bundle: b.name})
			}
		default:
			d.Denials = append(d.Denials, deny...)
			d.Warnings = append(d.Warnings, warn...)
			d.Patch = append(d.Patch, ops...)
		}
	}
	return d, nil
}

// evaluate runs one bundle's prepared query, its constant rules already
// known, and reads its three sets.
func evaluate(ctx context.Context, q *kindQuery, input ast.Value, cb *compiledBundle) (deny, warn []Violation, ops []PatchOp, err error) {
	vars, err := evalQuery(ctx, q, input, cb)
	if err != nil || vars == nil {
		return nil, nil, nil, err
	}
	return readSets(vars, cb.name)
}

// evalQuery evaluates q on input. The input is converted lazily, so a
// value ast.InterfaceToValue cannot convert panics only when a rule reads
// it: that panic is this decision's error.
func evalQuery(ctx context.Context, q *kindQuery, input ast.Value, cb *compiledBundle) (vars rego.Vars, err error) {
	defer func() {
		if p := recover(); p != nil {
			vars, err = nil, fmt.Errorf("policy input: %v", p)
		}
	}()
	vc := newLayeredCache(cb.constants, cb.memo)
	vars, err = q.eval(ctx, input, cb, vc)
	if err == nil {
		cb.memo.add(vc.computed)
	}
	return vars, err
}

// readSets reads a decision query's deny, warn and patch bindings.
func readSets(b rego.Vars, bundle string) (deny, warn []Violation, ops []PatchOp, err error) {
	if deny, err = violations(ruleDeny, b[ruleDeny], bundle); err != nil {
		return nil, nil, nil, err
	}
	if warn, err = violations(ruleWarn, b[ruleWarn], bundle); err != nil {
		return nil, nil, nil, err
	}
	if ops, err = patch(b[rulePatch], bundle); err != nil {
		return nil, nil, nil, err
	}
	return deny, warn, ops, nil
}

// Digest identifies one bundle's contents (name, mode, modules, data) as
// a revision made of it alone would: to report which revision of a bundle
// is in force without comparing sources.
func (b Bundle) Digest() (string, error) { return revisionID([]Bundle{b}) }

// revisionID hashes everything that affects decisions.
func revisionID(bundles []Bundle) (string, error) {
	h := sha256.New()
	for _, b := range bundles {
		mode, _ := b.mode()
		fmt.Fprintf(h, "bundle %q %q\n", b.Name, mode)
		for _, f := range slices.Sorted(maps.Keys(b.Modules)) {
			fmt.Fprintf(h, "module %q %d\n", f, len(b.Modules[f]))
			h.Write([]byte(b.Modules[f])) // a hash.Hash never returns an error
		}
		data, err := json.Marshal(b.Data) // sorts keys
		if err != nil {
			return "", bundleError(b.Name, "data: %v", err)
		}
		fmt.Fprintf(h, "data %d\n", len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
