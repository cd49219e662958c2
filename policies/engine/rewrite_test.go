package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Some default-bundle rules were rewritten for speed (helpers that answer
// false or "" instead of being undefined, so OPA and the memo keep their
// answers). testdata/original holds those files as they were; a bundle
// made of them decides every generated case as the default bundle does.

// originalBundle is the default bundle with the files under
// testdata/original in place of the rewritten ones.
func originalBundle(t *testing.T) Bundle {
	t.Helper()
	b := DefaultBundle()
	n := 0
	err := filepath.WalkDir("testdata/original", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(strings.TrimPrefix(p, "testdata/original/"))
		if _, ok := b.Modules[name]; !ok {
			t.Fatalf("%s: the default bundle has no %s", p, name)
		}
		b.Modules[name] = string(src)
		n++
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("testdata/original: %d files, %v", n, err)
	}
	return b
}

func TestRewrittenRulesDecideAsOriginal(t *testing.T) {
	orig := originalBundle(t)
	engines := map[string][2]*Engine{
		"default":      {loaded(t, DefaultBundle()), loaded(t, orig)},
		"with-sources": {loaded(t, withSources(DefaultBundle(), builtinSources(t))), loaded(t, withSources(orig, builtinSources(t)))},
	}
	differential(t, func(ctx context.Context, c differentialCase) (got, want Decision, gerr, werr error) {
		e := engines[c.engine]
		got, gerr = e[0].Decide(ctx, c.in)
		want, werr = e[1].Decide(ctx, c.in)
		// Revisions differ by construction (the sources differ).
		got.Revision, want.Revision = "", ""
		return got, want, gerr, werr
	})
}
