package samples

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// From a package directory deep in the repository, Dir finds the shared
// samples beside the repository root.
func TestDirFindsSharedSamples(t *testing.T) {
	dir := Dir(t)
	if _, err := os.Stat(filepath.Join(dir, "kustomization.yaml")); err != nil {
		t.Errorf("%s holds no kustomization.yaml: %v", dir, err)
	}
	wd, _ := os.Getwd()
	if want := filepath.Join(wd, "..", "..", "..", "shared", "samples", "workspaces"); filepath.Clean(want) != dir {
		t.Errorf("Dir = %s, want %s", dir, filepath.Clean(want))
	}
}

// Walking up stops at the nearest go.mod, and a missing folder is an
// error naming the path it looked for and the fix.
func TestLocateMissing(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "clone")
	pkg := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := locate(pkg, "workspaces")
	want := filepath.Join(top, "shared", "samples", "workspaces")
	if err == nil || !strings.Contains(err.Error(), want+" not found: put shared/") {
		t.Fatalf("err = %v, want one naming %s and the fix", err, want)
	}
	if err := os.MkdirAll(want, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := locate(pkg, "workspaces"); err != nil || got != want {
		t.Errorf("locate = %q, %v; want %s", got, err, want)
	}
}
