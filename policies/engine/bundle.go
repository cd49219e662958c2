package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/weir-dev/weir/policies"
)

// Modes of a bundle: what its denials do.
const (
	// ModeDeny denies (the default).
	ModeDeny = "deny"
	// ModeWarn turns the bundle's denials into warnings, to roll a policy
	// out without refusing anything yet.
	ModeWarn = "warn"
	// ModeDryRun records the bundle's denials, warnings and patches in
	// Decision.DryRun only: nobody is refused, warned or mutated.
	ModeDryRun = "dryrun"
)

// DefaultBundleName is the name of the bundle embedded in Weir.
const DefaultBundleName = "default"

// Bundle is a set of Rego modules with their data, loaded and reported on as
// a unit. Modules in files ending _test.rego are tests: RunTests runs them,
// Load and Validate leave them out.
type Bundle struct {
	Name string
	// Modules maps a file name (e.g. runs/schedule.rego) to its Rego source.
	Modules map[string]string
	// Data is the bundle's data document (data.json), visible to its own
	// modules only.
	Data map[string]any
	// Mode is ModeDeny (also when empty), ModeWarn or ModeDryRun.
	Mode string
}

// DefaultBundle is the bundle embedded in Weir (policies/bundle). Each call
// returns a fresh copy, which the caller may change, e.g. to edit its Data.
func DefaultBundle() Bundle {
	b, err := BundleFromFS(DefaultBundleName, policies.DefaultBundle())
	if err != nil {
		panic(fmt.Sprintf("embedded policy bundle: %v", err)) // caught by the tests
	}
	return b
}

// BundleFromDir reads a bundle from a directory, named after the directory.
func BundleFromDir(dir string) (Bundle, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Bundle{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		return Bundle{}, err
	}
	return BundleFromFS(filepath.Base(abs), os.DirFS(abs))
}

// BundleFromFS reads a bundle laid out as an OPA bundle directory: every
// *.rego file is a module, and a data.json is merged into the data document
// at its directory's path (runs/data.json becomes data.runs). Hidden
// directories and other files are ignored.
func BundleFromFS(name string, fsys fs.FS) (Bundle, error) {
	b := Bundle{Name: name, Modules: map[string]string{}, Data: map[string]any{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(p, ".rego"):
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			b.Modules[p] = string(src)
		case d.Name() == "data.json":
			doc, err := readJSON(fsys, p)
			if err != nil {
				return err
			}
			var at []string
			if dir := path.Dir(p); dir != "." {
				at = strings.Split(dir, "/")
			}
			if err := mergeAt(b.Data, at, doc); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		}
		return nil
	})
	if err != nil {
		return Bundle{}, fmt.Errorf("bundle %s: %w", name, err)
	}
	return b, nil
}

func readJSON(fsys fs.FS, p string) (map[string]any, error) {
	raw, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep integers exact
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return doc, nil
}

// mergeAt merges doc into data under the keys at, refusing to overwrite a
// value with another.
func mergeAt(data map[string]any, at []string, doc map[string]any) error {
	for _, k := range at {
		next, ok := data[k].(map[string]any)
		if !ok {
			if _, taken := data[k]; taken {
				return fmt.Errorf("data.%s is not an object", strings.Join(at, "."))
			}
			next = map[string]any{}
			data[k] = next
		}
		data = next
	}
	for k, v := range doc {
		old, taken := data[k]
		if !taken {
			data[k] = v
			continue
		}
		om, ok1 := old.(map[string]any)
		vm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("data.%s is defined twice", strings.Join(append(at, k), "."))
		}
		if err := mergeAt(om, nil, vm); err != nil {
			return err
		}
	}
	return nil
}

// isTest reports whether file holds tests.
func isTest(file string) bool { return strings.HasSuffix(file, "_test.rego") }

func (b Bundle) mode() (string, error) {
	switch b.Mode {
	case "", ModeDeny:
		return ModeDeny, nil
	case ModeWarn, ModeDryRun:
		return b.Mode, nil
	}
	return "", fmt.Errorf("mode %q: want %s, %s or %s", b.Mode, ModeDeny, ModeWarn, ModeDryRun)
}
