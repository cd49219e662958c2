package marmottest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestParseObjectMatchesEncodingJSON checks the scanner against
// encoding/json on escapes, nesting, whitespace and every kind of value:
// the same keys in the same order, each value decoding to the same.
func TestParseObjectMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`,
		` { "a" : 1 , "b":[ 1, "x", {"c":null} ] ,"d":{"e":"}]\"\\"} } `,
		`{"k\"ey":"va,l]ue","n":-1.5e3,"t":true,"f":false,"z":null,"u":"\u00e9\n"}`,
		`{"nested":[[[]],[{}],{"a":[{"b":"[{"}]}],"last":"\\"}`,
	}
	for _, doc := range docs {
		o, err := parseObject([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		var want map[string]any
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		got := map[string]any{}
		for _, k := range o.keys {
			var v any
			if err := json.Unmarshal(o.vals[k], &v); err != nil {
				t.Fatalf("%s: key %q: value %s: %v", doc, k, o.vals[k], err)
			}
			got[k] = v
		}
		if !reflect.DeepEqual(got, want) || len(o.keys) != len(want) {
			t.Errorf("%s: got %v (keys %q), want %v", doc, got, o.keys, want)
		}
		for _, k := range o.keys {
			if kind(o.vals[k]) == "array" {
				var elems []json.RawMessage
				if err := json.Unmarshal(o.vals[k], &elems); err != nil {
					t.Fatal(err)
				}
				if got := scanArray(o.vals[k]); len(got) != len(elems) {
					t.Errorf("%s: %q has %d elements, want %d", doc, k, len(got), len(elems))
				}
			}
		}
	}
	for _, bad := range []string{`{"a":1}x`, `{"a":1,"a":2}`, `{"a":}`, `[1]`, ``} {
		if _, err := parseObject([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
