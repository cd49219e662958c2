package engine

import (
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Rules and functions that read input are evaluated per decision: neither
// the constants nor the memo may hand one decision's value to the next.
func TestConstantsAndMemoLeaveInputToEachDecision(t *testing.T) {
	e := loaded(t, Bundle{Name: "b", Data: map[string]any{"prefix": "p-"}, Modules: map[string]string{"r.rego": `package weir.runs

who := input.name

tagged(x) := concat("", [data.prefix, x, input.namespace])

named := concat("", [data.prefix, who])

warn contains tagged("x")

warn contains named
`}})
	for _, c := range []struct{ name, ns string }{{"a", "n1"}, {"b", "n2"}, {"a", "n1"}} {
		in := runInput(t, `{}`)
		in.Name, in.Namespace = c.name, c.ns
		d := decide(t, e, in)
		got := []string{d.Warnings[0].Message, d.Warnings[1].Message}
		want := []string{"p-" + c.name, "p-x" + c.ns}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%+v: warnings %q, want %q", c, got, want)
		}
	}
}

// Under `with data...` a constant rule and a memoised function are
// evaluated again, with the replaced data.
func TestConstantsAndMemoYieldToWith(t *testing.T) {
	e := loaded(t, Bundle{Name: "b", Data: map[string]any{"limit": 1}, Modules: map[string]string{"r.rego": `package weir.runs

limit := data.limit

add_limit(x) := x + data.limit

warn contains sprintf("limit %d plus %d", [limit, add_limit(1)])

warn contains sprintf("with: limit %d plus %d", [l, p]) if {
	l := limit with data.limit as 5
	p := add_limit(1) with data.limit as 5
}
`}})
	for range 2 { // the second decision meets the memo filled by the first
		d := decide(t, e, runInput(t, `{}`))
		var got []string
		for _, w := range d.Warnings {
			got = append(got, w.Message)
		}
		if want := []string{"limit 1 plus 2", "with: limit 5 plus 6"}; !slices.Equal(got, want) {
			t.Errorf("warnings %q, want %q", got, want)
		}
	}
}

// The constants are the rules reading data alone; the memo takes the
// pure functions and none that reads input.
func TestConstantRulesOfTheDefaultBundle(t *testing.T) {
	e := loaded(t, DefaultBundle())
	cb := e.cur.Load().bundles[0]
	var keys []string
	for _, k := range cb.constants.Keys() {
		keys = append(keys, k.String())
	}
	for _, want := range []string{"data.weir.runs.secret_names", "data.weir.runs.secret_suffixes", "data.weir.runs.settings", "data.weir.lib.quantity.pattern"} {
		if !slices.Contains(keys, want) {
			t.Errorf("constants %q lack %s", keys, want)
		}
	}
	for _, no := range []string{"data.weir.runs.spec", "data.weir.lib.admission.reviewed", "data.weir.lib.admission.namespace"} {
		if slices.Contains(keys, no) {
			t.Errorf("constants have %s, which reads input", no)
		}
	}
	if !cb.memo.pure["data.weir.lib.quantity.parse"] || !cb.memo.pure["data.weir.runs.key_form"] {
		t.Errorf("pure functions %v lack quantity.parse or key_form", cb.memo.pure)
	}
}

// shareable finds a lazily converted input object at any depth.
func TestShareable(t *testing.T) {
	lazy := ast.NewTerm(ast.LazyObject(map[string]any{"a": 1}))
	for _, c := range []struct {
		v    ast.Value
		want bool
	}{
		{ast.MustParseTerm(`{"a": [1, {"b": {2}}], "c": {"d"}}`).Value, true},
		{lazy.Value, false},
		{ast.NewArray(ast.IntNumberTerm(1), lazy), false},
		{ast.NewSet(ast.ArrayTerm(lazy)), false},
		{ast.NewObject([2]*ast.Term{ast.StringTerm("k"), ast.ArrayTerm(ast.IntNumberTerm(1), lazy)}), false},
		{ast.NewObject([2]*ast.Term{ast.ArrayTerm(lazy), ast.IntNumberTerm(1)}), false},
	} {
		if got := shareable(c.v); got != c.want {
			t.Errorf("shareable(%T %v) = %v, want %v", c.v, c.v, got, c.want)
		}
	}
}
