package engine

import (
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// RelatedReaders lists the modules of b (tests left out) that may read
// input.related when b decides kind k: what `weir policy eval` cannot know
// offline, where input.related is {}. Modules of another kind's package
// (data.weir.<p> for p other than Package(k)) are left out, so the
// Workspace rules' reading of related.template does not make every Run
// undecided; any other module (a helper package, say) counts, since the
// kind's rules may call it. Modules that do not parse are left to Load.
func RelatedReaders(b Bundle, k GroupVersionKind) []string {
	related := ast.MustParseRef("input.related")
	own := ast.MustParseRef("data.weir").Append(ast.StringTerm(Package(k)))
	var out []string
	for _, name := range slices.Sorted(maps.Keys(b.Modules)) {
		if isTest(name) {
			continue
		}
		m, err := ast.ParseModuleWithOpts(name, b.Modules[name], ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			continue
		}
		if p := m.Package.Path; len(p) == 3 && p[1].Equal(ast.StringTerm("weir")) && !p.Equal(own) {
			continue // another kind's decision package
		}
		found := false
		ast.WalkRefs(m, func(r ast.Ref) bool {
			found = found || r.HasPrefix(related)
			return found
		})
		if found {
			out = append(out, name)
		}
	}
	return out
}
