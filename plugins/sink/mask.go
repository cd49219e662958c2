package sink

import (
	"reflect"
	"slices"
	"strings"
)

// Masked replaces the value of every secret config field in what is sent
// to Marmot, as `marmot ingest` does with "********" (contract §8.2).
const Masked = "********"

// SecretKeyword marks a property of a source's config schema as secret.
const SecretKeyword = "x-weir-secret"

// MaskConfig returns config, or a copy of it in which the value of every
// field that schema (a source's JSON Schema) marks with "x-weir-secret":
// true is replaced by Masked. Nested objects and arrays are followed through
// properties, additionalProperties, items, prefixItems, allOf, anyOf,
// oneOf and local $refs ("#/$defs/..."). Empty strings and nulls stay as they
// are, so Marmot shows that no secret was set; any other value, of any
// type, is masked. config itself is never modified.
//
// It runs in the host, outside a module's time limits, on a schema the
// module wrote: each config value is visited once, with the distinct
// schema nodes that apply to it, so a self-referencing schema costs at
// most (config values × maxAlternatives), never exponential time.
func MaskConfig(config, schema map[string]any) map[string]any {
	if config == nil {
		return nil
	}
	m := masker{root: schema, alts: map[*map[string]any][]map[string]any{}}
	var schemas []map[string]any
	if schema != nil {
		schemas = []map[string]any{schema}
	}
	out, _ := m.value(config, schemas, 0)
	if masked, ok := out.(map[string]any); ok {
		return masked
	}
	return map[string]any{} // the schema marks the whole config secret
}

type masker struct {
	root map[string]any
	// alts memoizes alternatives by schema node.
	alts map[*map[string]any][]map[string]any
}

// maxDepth bounds the nesting of config values followed, and
// maxAlternatives the distinct subschemas that apply to one value.
const (
	maxDepth        = 32
	maxAlternatives = 64
)

// node identifies a schema node: a decoded JSON object is one map however
// many $refs lead to it.
func node(s map[string]any) *map[string]any {
	return (*map[string]any)(reflect.ValueOf(s).UnsafePointer())
}

// value returns v with the secrets schemas (the distinct subschemas that
// apply to v) describe masked, and whether anything was; it copies only
// the containers on the way to a secret.
func (m masker) value(v any, schemas []map[string]any, depth int) (any, bool) {
	if len(schemas) == 0 || depth > maxDepth {
		return v, false
	}
	var alts []map[string]any
	seen := map[*map[string]any]bool{}
	for _, s := range schemas {
		for _, a := range m.alternatives(s) {
			if !seen[node(a)] && len(alts) < maxAlternatives {
				seen[node(a)] = true
				alts = append(alts, a)
			}
		}
	}
	for _, s := range alts {
		if secret, _ := s[SecretKeyword].(bool); secret {
			if v == nil || v == "" {
				return v, false
			}
			return Masked, true
		}
	}
	switch t := v.(type) {
	case map[string]any:
		var out map[string]any
		for k, child := range t {
			subs := subschemas(alts, func(s map[string]any) map[string]any { return propertySchema(s, k) })
			if masked, changed := m.value(child, subs, depth+1); changed {
				if out == nil {
					out = make(map[string]any, len(t))
					for k2, v2 := range t {
						out[k2] = v2
					}
				}
				out[k] = masked
			}
		}
		if out != nil {
			return out, true
		}
	case []any:
		var out []any
		for i, child := range t {
			subs := subschemas(alts, func(s map[string]any) map[string]any { return itemSchema(s, i) })
			if masked, changed := m.value(child, subs, depth+1); changed {
				if out == nil {
					out = append([]any(nil), t...)
				}
				out[i] = masked
			}
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}

// subschemas are the distinct subschemas alts give a member of an object
// or array.
func subschemas(alts []map[string]any, sub func(map[string]any) map[string]any) []map[string]any {
	var out []map[string]any
	for _, s := range alts {
		c := sub(s)
		if c == nil || slices.ContainsFunc(out, func(o map[string]any) bool { return node(o) == node(c) }) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// alternatives is schema itself and every distinct subschema that applies
// to the same value: allOf, anyOf, oneOf and a $ref, recursively, at most
// maxAlternatives of them so that a hostile schema cannot blow up.
func (m masker) alternatives(schema map[string]any) []map[string]any {
	if out, ok := m.alts[node(schema)]; ok {
		return out
	}
	var out []map[string]any
	seen := map[*map[string]any]bool{}
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		if len(out) >= maxAlternatives || seen[node(s)] {
			return
		}
		seen[node(s)] = true
		out = append(out, s)
		if ref, ok := s["$ref"].(string); ok {
			if target := m.resolve(ref); target != nil {
				walk(target)
			}
		}
		for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
			list, _ := s[kw].([]any)
			for _, item := range list {
				if sub, ok := item.(map[string]any); ok {
					walk(sub)
				}
			}
		}
	}
	walk(schema)
	m.alts[node(schema)] = out
	return out
}

func propertySchema(schema map[string]any, key string) map[string]any {
	if props, ok := schema["properties"].(map[string]any); ok {
		if s, ok := props[key].(map[string]any); ok {
			return s
		}
	}
	if s, ok := schema["additionalProperties"].(map[string]any); ok {
		return s
	}
	return nil
}

func itemSchema(schema map[string]any, i int) map[string]any {
	if prefix, ok := schema["prefixItems"].([]any); ok && i < len(prefix) {
		s, _ := prefix[i].(map[string]any)
		return s
	}
	s, _ := schema["items"].(map[string]any)
	return s
}

// resolve follows a local JSON pointer such as #/$defs/auth.
func (m masker) resolve(ref string) map[string]any {
	if !strings.HasPrefix(ref, "#") {
		return nil
	}
	cur := m.root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#"), "/") {
		if part == "" {
			continue
		}
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		next, ok := cur[part].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}
