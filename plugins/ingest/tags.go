package ingest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// tagRef is ${key} or ${a.b} in a configured tag.
var tagRef = regexp.MustCompile(`\$\{([^}]+)\}`)

// tagTemplates are a source's configured tags (contract §8.1).
type tagTemplates struct {
	tags []string
	// fixed is set when no tag refers to metadata, so every asset gets
	// the same tags.
	fixed bool
}

func newTagTemplates(tags []string) tagTemplates {
	t := tagTemplates{fixed: true}
	for _, tag := range tags {
		if tag == "" {
			continue
		}
		t.tags = append(t.tags, tag)
		if strings.Contains(tag, "${") {
			t.fixed = false
		}
	}
	return t
}

// expand returns the tags for an asset with this metadata, as Marmot's
// SDK interpolates them: ${key} is the metadata value at key (dots go
// into nested objects) formatted with %v, an unknown key is empty, and a
// tag that ends up empty is dropped. A null value is empty too, where the
// SDK would write "<nil>".
func (t tagTemplates) expand(metadata map[string]any) []string {
	if t.fixed {
		return t.tags
	}
	out := make([]string, 0, len(t.tags))
	for _, tag := range t.tags {
		if strings.Contains(tag, "${") {
			tag = tagRef.ReplaceAllStringFunc(tag, func(ref string) string {
				v, ok := lookupPath(metadata, ref[2:len(ref)-1])
				if !ok || v == nil {
					return ""
				}
				return fmt.Sprintf("%v", v)
			})
		}
		if tag != "" {
			out = append(out, tag)
		}
	}
	return out
}

// lookupPath finds a.b.c in nested maps.
func lookupPath(m map[string]any, path string) (any, bool) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	v, ok := m[parts[len(parts)-1]]
	return v, ok
}

// mergeTags appends the tags of extra that own lacks. A source may apply
// the configured tags itself, as Marmot's do; they are then not repeated.
func mergeTags(own, extra []string) []string {
	if len(extra) == 0 {
		return own
	}
	out := slices.Clip(own)
	for _, t := range extra {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
