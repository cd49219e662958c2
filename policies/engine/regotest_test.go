package engine

import (
	"bytes"
	"context"
	"io/fs"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/weir-dev/weir/policies"
)

// TestDefaultBundleRegoTests runs every Rego test of the embedded bundle and
// of the library, and logs their coverage.
func TestDefaultBundleRegoTests(t *testing.T) {
	report, err := runTests(context.Background(), DefaultBundle(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) < 40 {
		t.Errorf("ran %d Rego tests; the bundle has more: are test files being found?", len(report.Results))
	}
	for _, r := range report.Results {
		switch {
		case r.Skip:
			t.Logf("SKIP %s", r.Name)
		case !r.Pass:
			t.Errorf("FAIL %s (%s): %s%s", r.Name, r.Location, r.Failure, r.Output)
		}
	}
	t.Logf("%d Rego tests, %d failed; coverage %.1f%%", len(report.Results), report.Failed(), report.Coverage)
	for _, f := range report.Files {
		if f.Coverage < 100 {
			t.Logf("  %s %.1f%%, not covered: %v", f.File, f.Coverage, f.NotCovered)
		}
	}
}

// TestRegoFormatted keeps the embedded Rego as `opa fmt` writes it.
func TestRegoFormatted(t *testing.T) {
	for _, fsys := range []fs.FS{policies.DefaultBundle(), policies.Library()} {
		files, err := fs.Glob(fsys, "*.rego")
		if err != nil {
			t.Fatal(err)
		}
		more, _ := fs.Glob(fsys, "*/*.rego")
		for _, f := range append(files, more...) {
			src, err := fs.ReadFile(fsys, f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := format.SourceWithOpts(f, src, format.Opts{RegoVersion: ast.RegoV1})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(src, want) {
				t.Errorf("%s is not formatted; opa fmt gives:\n%s", f, want)
			}
		}
	}
}
