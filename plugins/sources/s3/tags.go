package s3

import (
	"fmt"
	"regexp"
	"strings"
)

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
