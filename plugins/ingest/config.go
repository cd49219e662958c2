// Package ingest is the `weir ingest` command: the ingestion pod's entry
// point, flag-compatible with Marmot's `marmot ingest`.
package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Pipeline is a pipeline file: a name, the sources it runs, in order, and
// where the modules of the sources that are not built in come from.
type Pipeline struct {
	Name    string
	Runs    []SourceRun
	Plugins map[string]Plugin
	Sandbox Sandbox
}

// SourceRun is one runs[] entry: the source it names and that source's
// settings, with ${VAR} references already expanded. Numbers are
// json.Number so large integers keep their exact value.
type SourceRun struct {
	Source string
	Config map[string]any
}

// Load reads the pipeline file at path, expands ${VAR} references in the
// string values of each source's settings with lookup (os.LookupEnv when
// nil), and validates the result. All problems are reported together, each
// prefixed with the path of the field at fault. Error messages name
// variables but never include their values, which are usually secrets.
func Load(path string, lookup func(string) (string, bool)) (*Pipeline, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading pipeline config: %w", err)
	}
	var doc any
	// Strict rejects duplicate keys, which would otherwise silently drop
	// a source or a setting. UseNumber keeps integers exact.
	if err := yaml.UnmarshalStrict(data, &doc, useNumber); err != nil {
		msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
		return nil, fmt.Errorf("%s: invalid YAML: %s", path, msg)
	}
	p, errs := decode(doc, lookup)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: invalid pipeline config:\n%w", path, errors.Join(errs...))
	}
	return p, nil
}

func useNumber(d *json.Decoder) *json.Decoder {
	d.UseNumber()
	return d
}

// decode validates the parsed document and builds the Pipeline from it.
// Expansion happens after parsing, so a variable's value is always taken
// as a plain string and cannot change the structure of the file.
func decode(doc any, lookup func(string) (string, bool)) (*Pipeline, []error) {
	top, ok := doc.(map[string]any)
	if doc == nil {
		top = map[string]any{} // an empty file: report what is missing
	} else if !ok {
		return nil, []error{fmt.Errorf("the file must be an object with name and runs, got %s", kind(doc))}
	}
	var errs []error
	for _, k := range sortedKeys(top) {
		if k != "name" && k != "runs" && k != "plugins" && k != "sandbox" {
			errs = append(errs, fieldError(child("", k), "unknown field; a pipeline file has only name, runs, plugins and sandbox"))
		}
	}
	name, err := decodeName(top["name"])
	if err != nil {
		errs = append(errs, err)
	}
	runs, runErrs := decodeRuns(top["runs"], lookup)
	errs = append(errs, runErrs...)
	plugins, pluginErrs := decodePlugins(top["plugins"])
	errs = append(errs, pluginErrs...)
	sandbox, sandboxErrs := decodeSandbox(top["sandbox"])
	errs = append(errs, sandboxErrs...)
	if len(errs) > 0 {
		return nil, errs
	}
	return &Pipeline{Name: name, Runs: runs, Plugins: plugins, Sandbox: sandbox}, nil
}

// decodeName checks the pipeline name. It is not expanded: it is printed
// in logs and messages, so it must never carry a variable's value.
func decodeName(v any) (string, error) {
	s, ok := v.(string)
	switch {
	case v == nil || (ok && strings.TrimSpace(s) == ""):
		return "", fieldError("name", "required")
	case !ok:
		return "", fieldError("name", "must be a string, got %s", kind(v))
	case strings.Contains(s, "${"):
		return "", fieldError("name", "${...} is not expanded in the pipeline name, which is printed in logs; write the name literally")
	}
	return s, nil
}

func decodeRuns(v any, lookup func(string) (string, bool)) ([]SourceRun, []error) {
	list, ok := v.([]any)
	switch {
	case v == nil || (ok && len(list) == 0):
		return nil, []error{fieldError("runs", "at least one source is required")}
	case !ok:
		return nil, []error{fieldError("runs", "must be a list of sources, got %s", kind(v))}
	}
	var runs []SourceRun
	var errs []error
	first := map[string]int{} // source -> index of its first entry
	for i, entry := range list {
		path := fmt.Sprintf("runs[%d]", i)
		run, entryErrs := decodeRun(path, entry, lookup)
		if j, dup := first[run.Source]; dup && run.Source != "" {
			// Marmot keeps one stale-deletion state per pipeline and
			// source, so two entries would delete each other's assets
			// on every run (contract §6).
			entryErrs = append(entryErrs, fieldError(path, "source %s is already used by runs[%d]; Marmot keeps one state per pipeline and source, so each entry's run would delete the other's assets: put the second one in another Run", run.Source, j))
		} else if run.Source != "" {
			first[run.Source] = i
		}
		errs = append(errs, entryErrs...)
		if len(entryErrs) == 0 {
			runs = append(runs, run)
		}
	}
	return runs, errs
}

// decodeRun checks one runs[] entry: an object with exactly one key, the
// source name, whose value is an object of that source's settings.
func decodeRun(path string, entry any, lookup func(string) (string, bool)) (SourceRun, []error) {
	obj, ok := entry.(map[string]any)
	if !ok {
		return SourceRun{}, []error{fieldError(path, "must be an object with one key naming the source, for example `- postgresql: {host: db}`; got %s", kind(entry))}
	}
	keys := sortedKeys(obj)
	switch {
	case len(keys) == 0:
		return SourceRun{}, []error{fieldError(path, "entry is empty; each entry must have exactly one key naming the source")}
	case len(keys) > 1:
		return SourceRun{}, []error{fieldError(path, "entry has %d keys (%s); each entry must have exactly one key naming the source", len(keys), strings.Join(keys, ", "))}
	case strings.TrimSpace(keys[0]) == "":
		return SourceRun{}, []error{fieldError(path, "source name is empty; the key must name the source, for example postgresql")}
	}
	source := keys[0]
	cfgPath := child(path, source)
	cfg, ok := obj[source].(map[string]any)
	if !ok {
		return SourceRun{}, []error{fieldError(cfgPath, "settings must be an object, for example `%s: {host: db}`; got %s", source, kind(obj[source]))}
	}
	var errs []error
	for _, k := range sortedKeys(cfg) {
		// tags hold ${key} references to each asset's metadata, which
		// weir fills in per asset as Marmot does (see tags.go); they are
		// not environment variables.
		if k != "tags" {
			cfg[k] = expandAll(cfg[k], child(cfgPath, k), lookup, &errs)
		}
	}
	return SourceRun{Source: source, Config: cfg}, errs
}

func fieldError(path, format string, args ...any) error {
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

// plainRune says whether r may appear in a key written after a dot.
func plainRune(r rune) bool {
	return r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// child is the field path of key under parent; keys that would read
// ambiguously after a dot are quoted.
func child(parent, key string) string {
	plain := key != ""
	for _, r := range key {
		if !plainRune(r) {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return fmt.Sprintf("%s[%q]", parent, key)
	case parent == "":
		return key
	}
	return parent + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// kind names a decoded value's type in YAML terms for error messages;
// it never shows the value itself.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
