package ingest

import (
	"fmt"
	"regexp"
)

// filter is a source's filter.include/exclude (contract §8.3), applied by
// weir to every asset's name after discovery, whatever the asset's type.
type filter struct {
	include, exclude []*regexp.Regexp
}

// parseFilter reads filter: {include: [regex], exclude: [regex]}. It
// returns nil when both lists are empty, which leaves the discovery
// untouched. Unlike Marmot, which lets an invalid pattern silently never
// match, it refuses one: an exclude pattern that never matches would let
// assets meant to stay out into the catalogue.
func parseFilter(path string, v any) (*filter, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fieldError(path, "must be an object with include and exclude lists, got %s", kind(v))
	}
	f := &filter{}
	for _, k := range sortedKeys(m) {
		var dst *[]*regexp.Regexp
		switch k {
		case "include":
			dst = &f.include
		case "exclude":
			dst = &f.exclude
		default:
			return nil, fieldError(child(path, k), "unknown field; a filter has include and exclude")
		}
		patterns, err := stringList(child(path, k), m[k])
		if err != nil {
			return nil, err
		}
		for i, p := range patterns {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fieldError(fmt.Sprintf("%s[%d]", child(path, k), i), "invalid regular expression: %v", err)
			}
			*dst = append(*dst, re)
		}
	}
	if len(f.include) == 0 && len(f.exclude) == 0 {
		return nil, nil
	}
	return f, nil
}

// keep reports whether an asset of this name stays: no exclude pattern
// matches it and, when there are include patterns, one of them does.
// Patterns are unanchored, as Go's regexp.MatchString.
func (f *filter) keep(name string) bool {
	for _, re := range f.exclude {
		if re.MatchString(name) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, re := range f.include {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

// stringList reads a list of strings; null is an empty list.
func stringList(path string, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fieldError(path, "must be a list of strings, got %s", kind(v))
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, fieldError(fmt.Sprintf("%s[%d]", path, i), "must be a string, got %s", kind(item))
		}
		out = append(out, s)
	}
	return out, nil
}
