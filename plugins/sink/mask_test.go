package sink

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestMaskConfig(t *testing.T) {
	var schema map[string]any
	must(t, json.Unmarshal([]byte(`{
	  "type": "object",
	  "$defs": {"cred": {"type": "object", "properties": {"token": {"type": "string", "x-weir-secret": true}}}},
	  "properties": {
	    "host":     {"type": "string", "x-weir-endpoint": true},
	    "password": {"type": "string", "x-weir-secret": true},
	    "empty":    {"type": "string", "x-weir-secret": true},
	    "nothing":  {"x-weir-secret": true},
	    "number":   {"type": "integer", "x-weir-secret": true},
	    "object":   {"type": "object", "x-weir-secret": true},
	    "auth": {"type": "object", "properties": {
	      "user": {"type": "string"},
	      "sasl": {"type": "object", "properties": {"password": {"type": "string", "x-weir-secret": true}}}
	    }},
	    "brokers": {"type": "array", "items": {"type": "object", "properties": {"secret": {"x-weir-secret": true}}}},
	    "ref": {"$ref": "#/$defs/cred"},
	    "headers": {"type": "object", "additionalProperties": {"type": "string", "x-weir-secret": true}},
	    "either": {"anyOf": [{"type": "string"}, {"type": "object", "properties": {"key": {"x-weir-secret": true}}}]},
	    "self": {"$ref": "#"}
	  }
	}`), &schema))
	config := map[string]any{
		"host": "db", "password": "pw", "empty": "", "nothing": nil, "number": json.Number("1234"),
		"object":  map[string]any{"a": "b"},
		"auth":    map[string]any{"user": "u", "sasl": map[string]any{"password": "p2"}},
		"brokers": []any{map[string]any{"host": "k1", "secret": "s1"}, map[string]any{"host": "k2"}},
		"ref":     map[string]any{"token": "t", "other": "o"},
		"headers": map[string]any{"X-Token": "h"},
		"either":  map[string]any{"key": "k"},
		"self":    map[string]any{"password": "deep"},
		"tags":    []any{"postgres"},
	}
	orig, _ := json.Marshal(config)
	got := MaskConfig(config, schema)
	want := map[string]any{
		"host": "db", "password": Masked, "empty": "", "nothing": nil, "number": Masked, "object": Masked,
		"auth":    map[string]any{"user": "u", "sasl": map[string]any{"password": Masked}},
		"brokers": []any{map[string]any{"host": "k1", "secret": Masked}, map[string]any{"host": "k2"}},
		"ref":     map[string]any{"token": Masked, "other": "o"},
		"headers": map[string]any{"X-Token": Masked},
		"either":  map[string]any{"key": Masked},
		"self":    map[string]any{"password": Masked},
		"tags":    []any{"postgres"},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("masked config =\n%s", g)
	}
	if after, _ := json.Marshal(config); string(after) != string(orig) {
		t.Errorf("MaskConfig modified its input:\n%s\nwas\n%s", after, orig)
	}
}

func TestMaskConfigWithoutSchema(t *testing.T) {
	config := map[string]any{"password": "pw"}
	if got := MaskConfig(config, nil); !reflect.DeepEqual(got, config) {
		t.Errorf("got %v", got)
	}
	if got := MaskConfig(nil, map[string]any{}); got != nil {
		t.Errorf("MaskConfig(nil) = %v", got)
	}
	hostile := map[string]any{"$ref": "#", "anyOf": []any{map[string]any{"$ref": "#"}, map[string]any{"$ref": "#"}}}
	if got := MaskConfig(config, hostile); !reflect.DeepEqual(got, config) {
		t.Errorf("self-referencing schema: got %v", got)
	}
}

// TestMaskConfigSelfReferencingSchema: a schema whose every node refers
// back to the root through several paths applies the same subschema to a
// value many times over; masking visits each value once per distinct
// subschema. Before, depth 4 took over 30 s (64 alternatives per level,
// recursing into each); depth 24 would never end.
func TestMaskConfigSelfReferencingSchema(t *testing.T) {
	var schema map[string]any
	must(t, json.Unmarshal([]byte(`{
	  "$defs": {"loop": {"anyOf": [{"$ref": "#"}, {"$ref": "#/$defs/loop"}, {"allOf": [{"$ref": "#"}, {"$ref": "#"}]}]}},
	  "properties": {
	    "next": {"anyOf": [{"$ref": "#"}, {"$ref": "#/$defs/loop"}, {"$ref": "#"}]},
	    "list": {"items": {"$ref": "#/$defs/loop"}},
	    "password": {"x-weir-secret": true}
	  },
	  "anyOf": [{"$ref": "#"}, {"$ref": "#"}, {"$ref": "#/$defs/loop"}],
	  "oneOf": [{"$ref": "#"}, {"$ref": "#"}]
	}`), &schema))
	const depth = 24
	nest := func(leaf func(i int) map[string]any) map[string]any {
		var cur map[string]any
		for i := depth; i >= 0; i-- {
			n := leaf(i)
			if cur != nil {
				n["next"] = cur
				n["list"] = []any{map[string]any{"password": "l" + string(rune('a'+i%26))}}
			}
			cur = n
		}
		return cur
	}
	config := nest(func(i int) map[string]any { return map[string]any{"password": "pw", "host": "db"} })
	want := nest(func(i int) map[string]any { return map[string]any{"password": Masked, "host": "db"} })
	var fixList func(m map[string]any)
	fixList = func(m map[string]any) {
		if l, ok := m["list"].([]any); ok {
			l[0] = map[string]any{"password": Masked}
		}
		if n, ok := m["next"].(map[string]any); ok {
			fixList(n)
		}
	}
	fixList(want)
	if got := MaskConfig(config, schema); !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		t.Errorf("masked config =\n%s", g)
	}
}
