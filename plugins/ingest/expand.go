package ingest

import (
	"fmt"
	"strings"
)

// expandAll replaces ${VAR} references in every string value under v (map
// keys are left alone), in place, appending one error per problem to errs.
// Maps are walked in key order so errors come out in a stable order.
func expandAll(v any, path string, lookup func(string) (string, bool), errs *[]error) any {
	switch t := v.(type) {
	case string:
		s, problems := expandString(t, lookup)
		for _, p := range problems {
			*errs = append(*errs, fieldError(path, "%s", p))
		}
		return s
	case map[string]any:
		for _, k := range sortedKeys(t) {
			t[k] = expandAll(t[k], child(path, k), lookup, errs)
		}
	case []any:
		for i := range t {
			t[i] = expandAll(t[i], fmt.Sprintf("%s[%d]", path, i), lookup, errs)
		}
	}
	return v
}

// expandString replaces each ${NAME} in s with NAME's value and each $${
// with a literal ${. A bare $ is kept as is, so values such as passwords
// containing $ need no escaping. Values are inserted verbatim, never
// expanded again. Problems describe the reference, never the string's
// content or any value.
func expandString(s string, lookup func(string) (string, bool)) (string, []string) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	var problems []string
	reported := map[string]bool{}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				problems = append(problems, "unterminated ${ (no closing }); write $${ for a literal ${")
				return s, problems
			}
			name := s[i+2 : i+2+end]
			i += 2 + end + 1
			if !validName(name) {
				problems = append(problems, "invalid reference ${...}: put an environment variable name inside, such as ${PG_PASSWORD}; defaults such as ${NAME:-x} are not supported; write $${ for a literal ${")
				continue
			}
			value, ok := lookup(name)
			if !ok {
				if !reported[name] {
					reported[name] = true
					problems = append(problems, fmt.Sprintf("environment variable %s is not set; set it in the Run's env (valueFrom.secretKeyRef) or envFrom", name))
				}
				continue
			}
			b.WriteString(value)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), problems
}

// validName reports whether name can be an environment variable name.
// Kubernetes allows any printable ASCII but =, so names like db.password
// (from envFrom of a Secret) are accepted; $, { and : are refused so that
// shell syntax such as ${NAME:-x} is reported rather than looked up.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c > '~' || strings.IndexByte("=${:", c) >= 0 {
			return false
		}
	}
	return true
}
