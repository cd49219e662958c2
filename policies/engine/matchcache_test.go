package engine

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown/cache"
)

// A bundle's value cache keeps json.match_schema's answers and gives them
// back; a value cache configured as OPA's own does not (a call is computed
// as before), nor is an operand read lazily from the input kept.
func TestMatchSchemaResultsKept(t *testing.T) {
	ctx := context.Background()
	doc := ast.MustParseTerm(`{"host": 1}`)
	schema := ast.MustParseTerm(`{"type": "object", "properties": {"host": {"type": "string"}}}`)
	key := ast.NewArray(doc, schema)
	eval := func(vc cache.InterQueryValueCache, query string, input ast.Value) ast.Value {
		t.Helper()
		opts := []rego.EvalOption{rego.EvalInterQueryBuiltinValueCache(vc)}
		if input != nil {
			opts = append(opts, rego.EvalParsedInput(input))
		}
		pq, err := rego.New(rego.Query("x := "+query), rego.Capabilities(capabilities())).PrepareForEval(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := pq.Eval(ctx, opts...)
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v %v", query, rs, err)
		}
		return ast.MustInterfaceToValue(rs[0].Bindings["x"])
	}
	call := "json.match_schema(" + doc.String() + ", " + schema.String() + ")"

	plain := newValueCache(ctx, false)
	want := eval(plain, call, nil)
	if ok := want.(*ast.Array).Elem(0).Value; ast.Compare(ok, ast.Boolean(false)) != 0 {
		t.Fatalf("match_schema = %v, want a mismatch (host is a number)", want)
	}
	if plain.GetCache(matchResultsCache) != nil {
		t.Fatal("a value cache without the results bucket has one")
	}

	vc := newValueCache(ctx, true)
	if got := eval(vc, call, nil); ast.Compare(got, want) != 0 {
		t.Fatalf("with the results bucket: %v, want %v", got, want)
	}
	bucket := vc.GetCache(matchResultsCache)
	if kept, ok := bucket.Get(key); !ok || ast.Compare(kept.(*ast.Term).Value, want) != 0 {
		t.Fatalf("kept %v (%v), want %v", kept, ok, want)
	}
	// The kept answer is the answer: replaced, it is what the call returns.
	forged := ast.NewArray(ast.BooleanTerm(true), ast.ArrayTerm())
	bucket.Insert(key, ast.NewTerm(forged))
	if got := eval(vc, call, nil); ast.Compare(got, forged) != 0 {
		t.Fatalf("the call did not read the bucket: %v, want %v", got, forged)
	}

	lazy := newValueCache(ctx, true)
	input := ast.LazyObject(map[string]any{"doc": map[string]any{"host": 1}})
	if got := eval(lazy, "json.match_schema(input.doc, "+schema.String()+")", input); ast.Compare(got, want) != 0 {
		t.Fatalf("lazy input: %v, want %v", got, want)
	}
	if kept, ok := lazy.GetCache(matchResultsCache).Get(key); ok {
		t.Fatalf("an operand read lazily from the input was kept: %v", kept)
	}
}
