package marmottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// object is a JSON object with its keys in document order.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

func parseObject(raw []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object")
	}
	o := &object{vals: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := o.vals[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		o.keys = append(o.keys, key)
		o.vals[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the object")
	}
	return o, nil
}

// kind names a JSON value's type.
func kind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "missing"
	}
	switch raw[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "bool"
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	}
	return "number"
}

// checker collects contract violations, each prefixed with where.
type checker struct {
	where string
	out   []string
}

func (c *checker) errf(path, format string, args ...any) {
	c.out = append(c.out, fmt.Sprintf("%s: %s: %s", c.where, path, fmt.Sprintf(format, args...)))
}

// keys checks that o has exactly the keys of want, in that order; keys
// named in optional may be absent.
func (c *checker) keys(path string, o *object, want []string, optional ...string) {
	var expected []string
	for _, k := range want {
		if _, ok := o.vals[k]; ok {
			expected = append(expected, k)
		} else if !slices.Contains(optional, k) {
			c.errf(path, "missing key %q", k)
		}
	}
	for _, k := range o.keys {
		if !slices.Contains(want, k) {
			c.errf(path, "unknown key %q", k)
		}
	}
	var got []string
	for _, k := range o.keys {
		if slices.Contains(want, k) {
			got = append(got, k)
		}
	}
	if !slices.Equal(got, expected) {
		c.errf(path, "keys in order %s, want %s", strings.Join(got, ","), strings.Join(expected, ","))
	}
}

// is checks that raw has one of the kinds.
func (c *checker) is(path string, raw json.RawMessage, kinds ...string) bool {
	k := kind(raw)
	if k == "missing" {
		return false // reported by keys
	}
	if !slices.Contains(kinds, k) {
		c.errf(path, "is %s, want %s", k, strings.Join(kinds, " or "))
		return false
	}
	return true
}

func (c *checker) str(path string, raw json.RawMessage) string {
	var s string
	if c.is(path, raw, "string") {
		json.Unmarshal(raw, &s)
	}
	return s
}

func (c *checker) nonEmptyStr(path string, raw json.RawMessage) string {
	s := c.str(path, raw)
	if s == "" && kind(raw) == "string" {
		c.errf(path, "is empty")
	}
	return s
}

func (c *checker) integer(path string, raw json.RawMessage) int64 {
	var n json.Number
	if !c.is(path, raw, "number") {
		return 0
	}
	json.Unmarshal(raw, &n)
	i, err := n.Int64()
	if err != nil || i < 0 {
		c.errf(path, "is %s, want a non-negative integer", n)
	}
	return i
}

func (c *checker) array(path string, raw json.RawMessage, nullable bool) []json.RawMessage {
	kinds := []string{"array"}
	if nullable {
		kinds = append(kinds, "null")
	}
	if !c.is(path, raw, kinds...) {
		return nil
	}
	var items []json.RawMessage
	json.Unmarshal(raw, &items)
	return items
}

func (c *checker) strings(path string, raw json.RawMessage, nullable bool) []string {
	var out []string
	for i, item := range c.array(path, raw, nullable) {
		out = append(out, c.str(fmt.Sprintf("%s[%d]", path, i), item))
	}
	return out
}

func (c *checker) object(path string, raw json.RawMessage) *object {
	if !c.is(path, raw, "object") {
		return nil
	}
	o, err := parseObject(raw)
	if err != nil {
		c.errf(path, "%v", err)
		return nil
	}
	return o
}

func (c *checker) timestamp(path string, raw json.RawMessage) {
	if s := c.str(path, raw); s != "" {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			c.errf(path, "is not an RFC 3339 time: %q", s)
		}
	}
}
