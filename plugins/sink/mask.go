package sink

import (
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
func MaskConfig(config, schema map[string]any) map[string]any {
	if config == nil {
		return nil
	}
	m := masker{root: schema}
	out, _ := m.value(config, schema, 0)
	if masked, ok := out.(map[string]any); ok {
		return masked
	}
	return map[string]any{} // the schema marks the whole config secret
}

type masker struct{ root map[string]any }

// maxDepth bounds recursion through self-referencing schemas, and
// maxAlternatives the subschemas that apply to one value.
const (
	maxDepth        = 32
	maxAlternatives = 64
)

// value returns v with the secrets schema describes masked, and whether
// anything was; it copies only the containers on the way to a secret.
func (m masker) value(v any, schema map[string]any, depth int) (any, bool) {
	if schema == nil || depth > maxDepth {
		return v, false
	}
	alts := m.alternatives(schema, depth)
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
			if masked, changed := m.child(child, alts, depth, func(s map[string]any) map[string]any { return propertySchema(s, k) }); changed {
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
			if masked, changed := m.child(child, alts, depth, func(s map[string]any) map[string]any { return itemSchema(s, i) }); changed {
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

// child masks a member of an object or array by the subschema each of
// the parent's alternatives gives it.
func (m masker) child(v any, alts []map[string]any, depth int, sub func(map[string]any) map[string]any) (any, bool) {
	changed := false
	for _, s := range alts {
		var c bool
		if v, c = m.value(v, sub(s), depth+1); c {
			changed = true
		}
	}
	return v, changed
}

// alternatives is schema itself and every subschema that applies to the
// same value: allOf, anyOf, oneOf and a $ref, recursively, at most
// maxAlternatives of them so that a hostile schema cannot blow up.
func (m masker) alternatives(schema map[string]any, depth int) []map[string]any {
	var out []map[string]any
	var walk func(s map[string]any, depth int)
	walk = func(s map[string]any, depth int) {
		if len(out) >= maxAlternatives || depth > maxDepth {
			return
		}
		out = append(out, s)
		if ref, ok := s["$ref"].(string); ok {
			if target := m.resolve(ref); target != nil {
				walk(target, depth+1)
			}
		}
		for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
			list, _ := s[kw].([]any)
			for _, item := range list {
				if sub, ok := item.(map[string]any); ok {
					walk(sub, depth+1)
				}
			}
		}
	}
	walk(schema, depth)
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
