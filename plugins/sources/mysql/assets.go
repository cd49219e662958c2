package mysql

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// column is one element of schema.columns. Its fields are in alphabetical
// order of their keys, as encoding/json orders a map's (the postgresql
// source's format, plus the MySQL-specific column_type and
// is_auto_increment that upstream's documentation lists).
type column struct {
	ColumnDefault   *string `json:"column_default,omitempty"`
	ColumnName      string  `json:"column_name"`
	ColumnType      string  `json:"column_type"`
	Comment         *string `json:"comment,omitempty"`
	DataType        string  `json:"data_type"`
	IsAutoIncrement bool    `json:"is_auto_increment"`
	IsNullable      bool    `json:"is_nullable"`
	IsPrimaryKey    bool    `json:"is_primary_key"`
}

// columnsJSON is the value of schema.columns: the columns as JSON text.
func columnsJSON(cols []column) (string, error) {
	b, err := json.Marshal(cols)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

var interpolation = regexp.MustCompile(`\${([^}]+)}`)

// interpolateTags applies the config's tags to an asset as upstream's SDK
// does: ${key} (or ${a.b} into nested objects) becomes the metadata value
// formatted with %v, or nothing when there is no such key; empty tags,
// before or after interpolation, are dropped. Nil when no tag remains.
func interpolateTags(tags []string, md map[string]any) []string {
	var out []string
	for _, tag := range tags {
		if tag == "" {
			continue
		}
		if strings.Contains(tag, "${") {
			tag = interpolation.ReplaceAllStringFunc(tag, func(m string) string {
				if v, ok := lookup(md, m[2:len(m)-1]); ok {
					return fmt.Sprintf("%v", v)
				}
				return ""
			})
			if tag == "" {
				continue
			}
		}
		out = append(out, tag)
	}
	return out
}

func lookup(md map[string]any, path string) (any, bool) {
	parts := strings.Split(path, ".")
	cur := md
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return nil, false
		}
		cur = next
	}
	v, ok := cur[parts[len(parts)-1]]
	return v, ok
}
