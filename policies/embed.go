// Package policies holds Weir's policy-as-code sources: the default bundle
// (bundle/) and the library every bundle may import (lib/). They are embedded
// so the operator and `weir policy` carry them without a filesystem.
package policies

import (
	"embed"
	"io/fs"
)

//go:embed bundle
var bundleFS embed.FS

//go:embed lib
var libFS embed.FS

// DefaultBundle is the default bundle's directory: Rego modules, their tests
// and data.json.
func DefaultBundle() fs.FS { return sub(bundleFS, "bundle") }

// Library is the shared Rego library (packages weir.lib...) with its tests.
func Library() fs.FS { return sub(libFS, "lib") }

func sub(fsys embed.FS, dir string) fs.FS {
	s, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // dir is a constant embedded above
	}
	return s
}
