package marmottest

import (
	"bytes"
	"encoding/json"
	"errors"
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

// parseObject splits a JSON object into its keys, in document order,
// and their raw values. The document is checked once, then scanned
// without decoding: a batch holds thousands of assets, and a decoder's
// tokens and copies made the fake slower than the client it tests.
func parseObject(raw []byte) (*object, error) {
	raw = bytes.TrimSpace(raw)
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return nil, err
	}
	return scanObject(raw)
}

// scanObject is parseObject for a value already known to be valid JSON,
// as every value inside a checked document is.
func scanObject(raw []byte) (*object, error) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errors.New("not an object")
	}
	o := &object{vals: map[string]json.RawMessage{}}
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] != '}' {
		end := skipString(raw, i)
		key := unquote(raw[i:end])
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // the colon
		vend := skipValue(raw, i)
		if _, dup := o.vals[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		o.keys = append(o.keys, key)
		o.vals[key] = raw[i:vend:vend]
		i = skipSpace(raw, vend)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return o, nil
}

// scanArray returns the elements of a valid JSON array.
func scanArray(raw []byte) []json.RawMessage {
	var out []json.RawMessage
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] != ']' {
		end := skipValue(raw, i)
		out = append(out, raw[i:end:end])
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return out
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the end of the string starting at b[i] (a quote).
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the end of the valid JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && !strings.ContainsRune(",}] \t\r\n", rune(b[i])) {
		i++
	}
	return i
}

// unquote decodes a valid JSON string.
func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw) // unreachable for valid JSON
	}
	return s
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
	if c.is(path, raw, "string") {
		return unquote(bytes.TrimSpace(raw))
	}
	return ""
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
	n = json.Number(bytes.TrimSpace(raw))
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
	if kind(raw) == "null" {
		return nil
	}
	return scanArray(bytes.TrimSpace(raw))
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
	o, err := scanObject(bytes.TrimSpace(raw)) // inside a checked document
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
