package catalog

import (
	"context"
	"slices"
	"testing"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/model"
)

type recorder struct{ calls []map[string]any }

func (r *recorder) SetSources(_ context.Context, s map[string]any) error {
	r.calls = append(r.calls, s)
	return nil
}

func TestCatalogMergesBuiltinsAndPlugins(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	c, err := New(rec)
	if err != nil {
		t.Fatalf("New: %v (run make plugins)", err)
	}
	if err := c.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	pg, ok := rec.calls[0]["postgresql"].(map[string]any)
	if !ok || pg["builtin"] != true {
		t.Fatalf("data.sources = %v, want the built-in postgresql", rec.calls[0])
	}
	schema, _ := pg["schema"].(map[string]any)
	if schema["additionalProperties"] != false {
		t.Fatalf("postgresql schema = %v, want the module's strict schema", schema)
	}

	csv := model.Description{ID: "csv", Version: "1.0.0", ConfigSchema: map[string]any{"type": "object"}}
	shadow := model.Description{ID: "postgresql", Version: "9.9.9"}
	if err := c.SetPlugins(ctx, map[string]model.Description{"csv": csv, "postgresql": shadow}); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 2 {
		t.Fatalf("published %d times, want 2", len(rec.calls))
	}
	last := rec.calls[1]
	if last["csv"].(map[string]any)["builtin"] != false {
		t.Errorf("csv = %v, want a plugin entry", last["csv"])
	}
	if v := last["postgresql"].(map[string]any)["version"]; v == "9.9.9" {
		t.Error("a SourcePlugin shadowed the built-in postgresql")
	}
	// The same plugins again: nothing to publish.
	if err := c.SetPlugins(ctx, map[string]model.Description{"csv": csv, "postgresql": shadow}); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 2 {
		t.Errorf("an unchanged catalogue was published again")
	}
	ids := c.IDs()
	slices.Sort(ids)
	want := append(builtin.IDs(), "csv")
	slices.Sort(want)
	if !slices.Equal(ids, want) || !slices.Contains(ids, "postgresql") {
		t.Errorf("IDs = %q, want the built-ins and csv: %q", ids, want)
	}
}

// A plugin schema with a "$ref" to a file or URL never reaches the
// policies: json.match_schema would read it on every decision.
func TestCatalogLeavesOutRemoteRefs(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	c, err := New(rec)
	if err != nil {
		t.Fatalf("New: %v (run make plugins)", err)
	}
	local := model.Description{ID: "csv", ConfigSchema: map[string]any{"$ref": "#/definitions/c", "definitions": map[string]any{"c": map[string]any{}}}}
	for _, ref := range []string{"file:///etc/passwd", "http://127.0.0.1:1/s.json", "s.json"} {
		evil := model.Description{ID: "evil", ConfigSchema: map[string]any{"properties": map[string]any{"host": map[string]any{"$ref": ref}}}}
		if err := c.SetPlugins(ctx, map[string]model.Description{"csv": local, "evil": evil}); err != nil {
			t.Fatal(err)
		}
		last := rec.calls[len(rec.calls)-1]
		if _, ok := last["evil"]; ok {
			t.Errorf("$ref %q: published %v", ref, last["evil"])
		}
		if _, ok := last["csv"]; !ok {
			t.Errorf("$ref %q: the plugin with local refs was left out too", ref)
		}
	}
}
