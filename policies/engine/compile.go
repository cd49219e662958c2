package engine

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/cache"

	"github.com/weir-dev/weir/policies"
)

// Rule names a bundle's decision packages (data.weir.<plural>) may define.
const (
	ruleDeny  = "deny"
	ruleWarn  = "warn"
	rulePatch = "patch"
)

// libraryPrefix is the library's package path; bundles may not add to it,
// so every bundle sees the same library.
const libraryPrefix = "weir.lib"

// unsafeBuiltins reach outside the process: admission must not wait on the
// network, and opa.runtime() would show the operator's environment.
// Policies get cluster state from input.related instead.
var unsafeBuiltins = map[string]bool{"http.send": true, "net.lookup_ip_addr": true, "opa.runtime": true}

// capabilities are what every compile and query in Weir may use: no
// built-in that does I/O, and an empty AllowNet, so the JSON Schema
// built-ins fetch no remote "$ref" (their file:// ones are refused apart,
// see schemaref.go). Evaluation reads them from the compiler.
var capabilities = sync.OnceValue(func() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	c.Builtins = slices.DeleteFunc(slices.Clone(c.Builtins), func(b *ast.Builtin) bool { return unsafeBuiltins[b.Name] })
	c.AllowNet = []string{} // empty, not nil: nil allows every host
	return c
})

// library is the parsed shared library, keyed lib/<file>: its modules and,
// separately, its tests.
var library = sync.OnceValues(func() (map[string]*ast.Module, map[string]*ast.Module) {
	mods, tests := map[string]*ast.Module{}, map[string]*ast.Module{}
	err := fs.WalkDir(policies.Library(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := fs.ReadFile(policies.Library(), p)
		if err != nil {
			return err
		}
		name := "lib/" + p
		m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		if isTest(p) {
			tests[name] = m
		} else {
			mods[name] = m
		}
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("embedded policy library: %v", err)) // caught by the tests
	}
	return mods, tests
})

// parseOptions say which modules parse adds to a bundle's own.
type parseOptions struct {
	tests        bool // the bundle's tests
	libraryTests bool // the library's tests
}

// parse parses b's modules, named <bundle>/<file> so every error and
// coverage line says where it is, and adds the library.
func parse(b Bundle, opts parseOptions) (map[string]*ast.Module, *Error) {
	e := &Error{Bundle: b.Name}
	if b.Name == "" {
		e.Problems = append(e.Problems, Problem{Message: "a bundle needs a name"})
	}
	if _, err := b.mode(); err != nil {
		e.Problems = append(e.Problems, Problem{Message: err.Error()})
	}
	mods := map[string]*ast.Module{}
	for _, file := range slices.Sorted(maps.Keys(b.Modules)) {
		if isTest(file) && !opts.tests {
			continue
		}
		name := b.Name + "/" + file
		m, err := ast.ParseModuleWithOpts(name, b.Modules[file], ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			e.Problems = append(e.Problems, problems(err)...)
			continue
		}
		if pkg := strings.TrimPrefix(m.Package.Path.String(), "data."); pkg == libraryPrefix || strings.HasPrefix(pkg, libraryPrefix+".") {
			loc := m.Package.Location
			e.Problems = append(e.Problems, Problem{File: loc.File, Line: loc.Row, Col: loc.Col, Code: ast.CompileErr,
				Message: fmt.Sprintf("package %s: %s is Weir's library, shared by all bundles; use a package of your own", pkg, libraryPrefix)})
		}
		mods[name] = m
	}
	if len(e.Problems) > 0 {
		return nil, e
	}
	lib, libTests := library()
	maps.Copy(mods, lib)
	if opts.libraryTests {
		maps.Copy(mods, libTests)
	}
	return mods, nil
}

// newCompiler configures a compiler the way every bundle is compiled. The
// path-conflict check stops a rule from silently shadowing data.
func newCompiler(ctx context.Context, store storage.Store, txn storage.Transaction, printStatements bool) *ast.Compiler {
	return ast.NewCompiler().
		WithCapabilities(capabilities()).
		WithEnablePrintStatements(printStatements).
		WithPathConflictsCheck(storage.NonEmpty(ctx, store, txn))
}

func newStore(data map[string]any) storage.Store {
	if data == nil {
		data = map[string]any{}
	}
	return inmem.NewFromObject(data) // copies: later changes to Data do not leak in
}

// compiledBundle is one bundle ready to decide: a prepared query per kind
// it has rules for.
type compiledBundle struct {
	name, mode string
	queries    map[string]*kindQueries // by plural, e.g. runs
	access     *rego.PreparedEvalQuery // data.weir.access.decision, if defined
	// constants are the values of the rules that read no input, evaluated
	// at load (constants.go); read-only.
	constants topdown.VirtualCache
	// memo keeps the results of pure functions across decisions.
	memo *funcMemo
	// values keeps what built-ins compile from their arguments across
	// decisions (json.match_schema's schemas, regex patterns) and
	// json.match_schema's results (matchcache.go): OPA's inter-query value
	// cache, bounded, one per bundle and revision.
	values cache.InterQueryValueCache
}

// valueCacheEntries bounds a bundle's value cache: the schemas of data.sources
// and the patterns of its rules, with room for patterns built from input.
const valueCacheEntries = 1024

// newValueCache is a bundle's value cache; keepMatchResults adds the
// bucket of json.match_schema's results (off only for benchmarks of a
// request unlike any before).
func newValueCache(ctx context.Context, keepMatchResults bool) cache.InterQueryValueCache {
	n := valueCacheEntries
	cfg := cache.InterQueryBuiltinValueCacheConfig{MaxNumEntries: &n}
	if keepMatchResults {
		cfg.NamedCacheConfigs = matchResultsConfig()
	}
	return cache.NewInterQueryValueCache(ctx, &cache.Config{InterQueryBuiltinValueCache: cfg})
}

// compileBundle compiles b alone (with the library) and prepares its
// queries.
func compileBundle(ctx context.Context, b Bundle) (*compiledBundle, error) {
	mods, perr := parse(b, parseOptions{})
	if perr != nil {
		return nil, perr
	}
	if refs := append(moduleRefProblems(ownModules(mods, b.Name)), dataRefProblems(b.Data)...); len(refs) > 0 {
		return nil, &Error{Bundle: b.Name, Problems: refs}
	}
	store := newStore(b.Data)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	c := newCompiler(ctx, store, txn, false)
	if c.Compile(mods); c.Failed() {
		return nil, &Error{Bundle: b.Name, Problems: problems(c.Errors)}
	}
	mode, _ := b.mode()
	pure := newPurity(c)
	cb := &compiledBundle{name: b.Name, mode: mode, queries: map[string]*kindQueries{},
		constants: constantRules(ctx, c, store, pure), memo: newFuncMemo(c, pure), values: newValueCache(ctx, true)}
	for plural, rules := range decisionRules(mods, b.Name) {
		kq, err := prepareKindQueries(c, store, plural, rules)
		if err != nil {
			return nil, &Error{Bundle: b.Name, Problems: problems(err)}
		}
		cb.queries[plural] = kq
	}
	if cb.access, err = prepareAccess(ctx, mods, b.Name, c, store); err != nil {
		return nil, err
	}
	return cb, nil
}

// ownModules are the bundle's modules in mods, the library left out.
func ownModules(mods map[string]*ast.Module, bundle string) map[string]*ast.Module {
	out := map[string]*ast.Module{}
	for name, m := range mods {
		if strings.HasPrefix(name, bundle+"/") {
			out[name] = m
		}
	}
	return out
}

// decisionRules finds, in the bundle's own modules, the decision rules
// (deny, warn, patch) of each package weir.<plural>.
func decisionRules(mods map[string]*ast.Module, bundle string) map[string][]string {
	found := map[string]map[string]bool{}
	for name, m := range mods {
		path := m.Package.Path
		if !strings.HasPrefix(name, bundle+"/") || len(path) != 3 || !path[1].Equal(ast.StringTerm("weir")) {
			continue
		}
		plural, ok := path[2].Value.(ast.String)
		if !ok {
			continue
		}
		for _, r := range m.Rules {
			switch n := r.Head.Ref()[0].Value.String(); n {
			case ruleDeny, ruleWarn, rulePatch:
				if found[string(plural)] == nil {
					found[string(plural)] = map[string]bool{}
				}
				found[string(plural)][n] = true
			}
		}
	}
	out := map[string][]string{}
	for plural, rules := range found {
		out[plural] = slices.Sorted(maps.Keys(rules))
	}
	return out
}
