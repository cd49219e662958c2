package sdk

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/weir-dev/weir/plugins/model"
)

// appendItem appends it as encoding/json would encode it, byte for byte,
// without reflection: in a wasm guest, json.Marshal of the items was a
// quarter to a half of a discovery (docs/performance.md, "WASM sources").
// Metadata values other than strings, booleans, integers and nil go
// through json.Marshal.
func appendItem(dst []byte, it *model.Item) ([]byte, error) {
	var err error
	dst = append(dst, '{')
	sep := false
	field := func(name string) {
		if sep {
			dst = append(dst, ',')
		}
		sep = true
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
	}
	if it.Asset != nil {
		field("asset")
		if dst, err = appendAsset(dst, it.Asset); err != nil {
			return dst, err
		}
	}
	if l := it.Lineage; l != nil {
		field("lineage")
		dst = append(dst, `{"source":`...)
		dst = appendString(dst, l.Source)
		dst = append(dst, `,"target":`...)
		dst = appendString(dst, l.Target)
		dst = append(dst, `,"type":`...)
		dst = appendString(dst, l.Type)
		if l.JobMRN != "" {
			dst = append(dst, `,"job_mrn":`...)
			dst = appendString(dst, l.JobMRN)
		}
		dst = append(dst, '}')
	}
	if d := it.Documentation; d != nil {
		field("documentation")
		dst = append(dst, `{"mrn":`...)
		dst = appendString(dst, d.MRN)
		dst = append(dst, `,"content":`...)
		dst = appendString(dst, d.Content)
		dst = append(dst, `,"source":`...)
		dst = appendString(dst, d.Source)
		dst = append(dst, '}')
	}
	if s := it.Statistic; s != nil {
		field("statistic")
		if dst, err = appendMarshal(dst, s); err != nil { // floats: encoding/json's own format
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendAsset(dst []byte, a *model.Asset) ([]byte, error) {
	var err error
	dst = append(dst, `{"mrn":`...)
	dst = appendString(dst, a.MRN)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, a.Name)
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, a.Type)
	dst = append(dst, `,"providers":`...)
	dst = appendStrings(dst, a.Providers)
	if a.Description != nil {
		dst = append(dst, `,"description":`...)
		dst = appendString(dst, *a.Description)
	}
	if len(a.Metadata) > 0 {
		dst = append(dst, `,"metadata":`...)
		if dst, err = appendAnyMap(dst, a.Metadata); err != nil {
			return dst, err
		}
	}
	if len(a.Schema) > 0 {
		dst = append(dst, `,"schema":`...)
		dst = appendStringMap(dst, a.Schema)
	}
	if len(a.Tags) > 0 {
		dst = append(dst, `,"tags":`...)
		dst = appendStrings(dst, a.Tags)
	}
	if len(a.Sources) > 0 {
		dst = append(dst, `,"sources":[`...)
		for i, s := range a.Sources {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"name":`...)
			dst = appendString(dst, s.Name)
			dst = append(dst, `,"last_sync_at":`...)
			t, err := s.LastSyncAt.MarshalJSON()
			if err != nil {
				return dst, err
			}
			dst = append(dst, t...)
			if len(s.Properties) > 0 {
				dst = append(dst, `,"properties":`...)
				if dst, err = appendAnyMap(dst, s.Properties); err != nil {
					return dst, err
				}
			}
			dst = append(dst, `,"priority":`...)
			dst = strconv.AppendInt(dst, int64(s.Priority), 10)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(a.ExternalLinks) > 0 {
		dst = append(dst, `,"external_links":[`...)
		for i, l := range a.ExternalLinks {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"name":`...)
			dst = appendString(dst, l.Name)
			dst = append(dst, `,"url":`...)
			dst = appendString(dst, l.URL)
			if l.Icon != "" {
				dst = append(dst, `,"icon":`...)
				dst = appendString(dst, l.Icon)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

// appendMarshal appends json.Marshal's encoding of v.
func appendMarshal(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// appendStrings encodes a nil slice as null, as encoding/json does.
func appendStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendStringMap(dst []byte, m map[string]string) []byte {
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendString(dst, m[k])
	}
	return append(dst, '}')
}

func appendAnyMap(dst []byte, m map[string]any) ([]byte, error) {
	var err error
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		switch v := m[k].(type) {
		case nil:
			dst = append(dst, "null"...)
		case string:
			dst = appendString(dst, v)
		case bool:
			dst = strconv.AppendBool(dst, v)
		case int:
			dst = strconv.AppendInt(dst, int64(v), 10)
		case int32:
			dst = strconv.AppendInt(dst, int64(v), 10)
		case int64:
			dst = strconv.AppendInt(dst, v, 10)
		case uint64:
			dst = strconv.AppendUint(dst, v, 10)
		default:
			if dst, err = appendMarshal(dst, v); err != nil {
				return dst, err
			}
		}
	}
	return append(dst, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does with HTML escaping (its
// default): <, > and & as \u003c..., invalid UTF-8 as \ufffd, U+2028
// and U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
