// Package samples locates the upstream sample manifests that tests apply
// unchanged. They live beside the repository, in shared/samples (in CI a
// copy of shared/ sits beside the clone), and are never copied into it.
package samples

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Failer is what Dir needs of a test: testing.TB, or Ginkgo's
// GinkgoT().
type Failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Dir is <repo root>/../shared/samples/workspaces, found by walking up
// from the test's working directory (its package's) to go.mod; it fails
// the test, saying where it looked, when the folder is absent.
func Dir(t Failer) string {
	t.Helper()
	dir, err := Locate("workspaces")
	if err != nil {
		t.Fatalf("%v", err)
	}
	return dir
}

// Locate returns <repo root>/../shared/samples/<name> when it is a
// directory, else an error naming the path and the fix.
func Locate(name string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return locate(wd, name)
}

func locate(start, name string) (string, error) {
	root, err := repoRoot(start)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "samples", name)
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return "", fmt.Errorf("upstream samples %s not found: put shared/ (with samples/%s) beside the repository %s, as CI does; the samples are read from there, never copied into the project",
			dir, name, root)
	}
	return dir, nil
}

// repoRoot is the nearest directory at or above start that holds go.mod
// (go test runs a test in its package's directory).
func repoRoot(start string) (string, error) {
	for dir := start; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod at or above %s: run the test from inside the repository", start)
		}
	}
}
