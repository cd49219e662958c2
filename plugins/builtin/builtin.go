// Package builtin holds the source modules compiled into weir: wasm
// modules like any third party's, built by `make plugins` from
// plugins/sources/*/plugin and embedded here, so they run in the same
// sandbox as everyone else's.
package builtin

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
)

// The patterns match only built modules, so a checkout without them fails
// to compile ("pattern wasm/*.wasm: no matching files found") instead of
// shipping a weir without sources: run `make plugins` (see wasm/README.md).
//
//go:embed wasm/*.wasm wasm/*.json
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

// Description returns the description the built-in module id gave of
// itself when it was built (make plugins), without compiling the module.
func Description(id string) (model.Description, error) {
	b, err := modules.ReadFile(path.Join("wasm", id+".json"))
	if err != nil {
		return model.Description{}, fmt.Errorf("built-in source %q has no description in this binary: run make plugins", id)
	}
	var d model.Description
	if err := json.Unmarshal(b, &d); err != nil {
		return model.Description{}, fmt.Errorf("built-in source %q: description: %w", id, err)
	}
	return d, nil
}
