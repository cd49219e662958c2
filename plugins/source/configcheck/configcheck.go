// Package configcheck checks a source's JSON config the way every built-in
// source does: each problem an error that names the field (with its path)
// and the fix, never the value, so a secret in a config is never echoed.
// The common keys (tags, external_links, filter) are read here once.
package configcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
)

// Filter is the include/exclude regular expressions of a source's filter key.
type Filter struct {
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
}

// Checker reads the keys of one JSON object of a config and collects the
// problems; Prefix is that object's path in the config ("credentials.").
type Checker struct {
	Obj    map[string]json.RawMessage
	Prefix string // the path of obj in the config, for messages
	Errs   []error
}

func (v *Checker) Unknown(path string, known []string, takes string) {
	ok := map[string]bool{}
	for _, k := range known {
		ok[k] = true
	}
	var bad []string
	for k := range v.Obj {
		if !ok[k] {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	for _, k := range bad {
		v.Errs = append(v.Errs, fmt.Errorf("%s%s: unknown field; %s %s", path, k, takes, strings.Join(known, ", ")))
	}
}

func (v *Checker) Errorf(field, format string, args ...any) {
	v.Errs = append(v.Errs, fmt.Errorf("%s%s: %s", v.Prefix, field, fmt.Sprintf(format, args...)))
}

// value returns the decoded value of key; ok is false when it is absent
// or null.
func (v *Checker) Value(key string) (any, bool) {
	raw, ok := v.Obj[key]
	if !ok {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil || x == nil {
		return nil, false
	}
	return x, true
}

func (v *Checker) Str(key string) (string, bool) {
	x, ok := v.Value(key)
	if !ok {
		return "", false
	}
	s, ok := x.(string)
	if !ok {
		v.Errorf(key, "must be a string, got %s", Kind(x))
		return "", false
	}
	return s, true
}

func (v *Checker) Boolean(key string) (bool, bool) {
	x, ok := v.Value(key)
	if !ok {
		return false, false
	}
	switch t := x.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		v.Errorf(key, "must be true or false; got another string")
	default:
		v.Errorf(key, "must be true or false, got %s", Kind(x))
	}
	return false, false
}

func (v *Checker) List(key string) ([]any, bool) {
	x, ok := v.Value(key)
	if !ok {
		return nil, false
	}
	l, ok := x.([]any)
	if !ok {
		v.Errorf(key, "must be a list, got %s", Kind(x))
		return nil, false
	}
	return l, true
}

func (v *Checker) Strings(key string) []string {
	l, ok := v.List(key)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			v.Errorf(fmt.Sprintf("%s[%d]", key, i), "must be a string, got %s", Kind(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (v *Checker) Links(key string) []model.ExternalLink {
	l, ok := v.List(key)
	if !ok {
		return nil
	}
	var out []model.ExternalLink
	for i, e := range l {
		path := fmt.Sprintf("%s[%d]", key, i)
		m, ok := e.(map[string]any)
		if !ok {
			v.Errorf(path, "must be an object with name and url, got %s", Kind(e))
			continue
		}
		var link model.ExternalLink
		for _, k := range SortedKeys(m) {
			s, ok := m[k].(string)
			switch {
			case k != "name" && k != "url" && k != "icon":
				v.Errorf(path+"."+k, "unknown field; a link has name, url and icon")
			case !ok:
				v.Errorf(path+"."+k, "must be a string, got %s", Kind(m[k]))
			case k == "name":
				link.Name = s
			case k == "url":
				link.URL = s
			default:
				link.Icon = s
			}
		}
		if link.Name == "" {
			v.Errorf(path+".name", "required")
		}
		if link.URL == "" {
			v.Errorf(path+".url", "required")
		}
		out = append(out, link)
	}
	return out
}

func (v *Checker) Filter(key string) *Filter {
	x, ok := v.Value(key)
	if !ok {
		return nil
	}
	m, ok := x.(map[string]any)
	if !ok {
		v.Errorf(key, "must be an object with include and exclude lists, got %s", Kind(x))
		return nil
	}
	f := &Filter{}
	for _, k := range SortedKeys(m) {
		path := key + "." + k
		var dst *[]string
		switch k {
		case "include":
			dst = &f.Include
		case "exclude":
			dst = &f.Exclude
		default:
			v.Errorf(path, "unknown field; a filter has include and exclude")
			continue
		}
		if m[k] == nil {
			continue
		}
		l, ok := m[k].([]any)
		if !ok {
			v.Errorf(path, "must be a list of regular expressions, got %s", Kind(m[k]))
			continue
		}
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				v.Errorf(fmt.Sprintf("%s[%d]", path, i), "must be a string, got %s", Kind(e))
				continue
			}
			if _, err := regexp.Compile(s); err != nil {
				v.Errorf(fmt.Sprintf("%s[%d]", path, i), "invalid regular expression: %s", RegexpProblem(err))
				continue
			}
			*dst = append(*dst, s)
		}
	}
	return f
}

func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// regexpProblem is what is wrong with a regular expression, without the
// expression: errors never echo config values.
func RegexpProblem(err error) string {
	var re *syntax.Error
	if errors.As(err, &re) {
		return string(re.Code)
	}
	return "does not compile"
}

// kind names a decoded JSON value's type for messages, never the value.
func Kind(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}

func (v *Checker) Integer(key, example string) (int64, bool) {
	x, ok := v.Value(key)
	if !ok {
		return 0, false
	}
	var text string
	switch t := x.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = strings.TrimSpace(t)
	default:
		v.Errorf(key, "must be an integer, got %s", Kind(x))
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		v.Errorf(key, "must be an integer, for example %s; got a string that is not one (a ${VAR} left unexpanded?)", example)
		return 0, false
	}
	return n, true
}
