package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// builtinSources is data.sources as the operator publishes it for the
// built-in sources (operator/catalog), read from their descriptions.
func builtinSources(t testing.TB) map[string]any {
	t.Helper()
	files, err := filepath.Glob("../../plugins/builtin/wasm/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("built-in source descriptions in plugins/builtin/wasm: %v (run make plugins)", err)
	}
	out := map[string]any{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			ID      string         `json:"id"`
			Version string         `json:"version"`
			Schema  map[string]any `json:"config_schema"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[d.ID] = map[string]any{"schema": d.Schema, "builtin": true, "version": d.Version}
	}
	return out
}

func withSources(b Bundle, sources map[string]any) Bundle {
	data := map[string]any{}
	for k, v := range b.Data {
		data[k] = v
	}
	data["sources"] = sources
	b.Data = data
	return b
}
