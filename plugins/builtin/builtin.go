// Package builtin holds the source modules compiled into weir: wasm
// modules like any third party's, built by `make plugins` from
// plugins/sources/*/plugin and embedded here, so they run in the same
// sandbox as everyone else's.
package builtin

import (
	"embed"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed wasm
var modules embed.FS

// IDs lists the built-in sources present in this binary.
func IDs() []string {
	entries, _ := fs.ReadDir(modules, "wasm")
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".wasm"); ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Module returns the wasm bytes of the built-in source id.
func Module(id string) ([]byte, bool) {
	b, err := modules.ReadFile(path.Join("wasm", id+".wasm"))
	return b, err == nil
}
