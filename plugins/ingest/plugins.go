package ingest

import (
	"maps"
	"regexp"
	"strings"
	"time"
)

// PluginRef is an entry of the pipeline file's plugins map: where the
// module of a source that is not built in comes from, and its digest. It
// is the one definition of the block: the operator renders it from a
// SourcePlugin (operator/runs) and `weir ingest` reads it back.
//
//	plugins:
//	  mysource:
//	    url: https://example.com/mysource-1.2.0.wasm   # or oci://registry/repo:tag
//	    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//	    limits: {memory: 268435456, callTimeout: 1m, runTimeout: 1h, outputBytes: 1073741824}
//	    caBundle: "-----BEGIN CERTIFICATE-----\n..."                 # optional: a private CA
//
// Marmot ignores top-level keys it does not know, so such a file still
// runs with `marmot ingest` for its built-in sources.
type PluginRef struct {
	URL    string     `json:"url"`
	SHA256 string     `json:"sha256"`
	Limits *LimitsRef `json:"limits,omitempty"`
	// CABundle (PEM) is trusted besides the system's roots to fetch the
	// module: the SourcePlugin's spec.caBundle.
	CABundle string `json:"caBundle,omitempty"`
}

// LimitsRef are a plugin's limits as the file writes them: byte counts
// as integers, durations in Go's syntax (1m30s). Unset: the host default.
type LimitsRef struct {
	Memory      int64  `json:"memory,omitempty"`
	CallTimeout string `json:"callTimeout,omitempty"`
	RunTimeout  string `json:"runTimeout,omitempty"`
	OutputBytes int64  `json:"outputBytes,omitempty"`
}

// Plugin is a checked PluginRef, as the plugin loader takes it.
type Plugin struct {
	URL      string
	SHA256   string
	Limits   PluginLimits
	CABundle string
}

// PluginLimits bound the module's sandbox; zero fields take the host's
// defaults.
type PluginLimits struct {
	Memory      int64 // bytes
	CallTimeout time.Duration
	RunTimeout  time.Duration
	OutputBytes int64
}

// Ref is p as the pipeline file writes it.
func (p Plugin) Ref() PluginRef {
	ref := PluginRef{URL: p.URL, SHA256: p.SHA256, CABundle: p.CABundle}
	if p.Limits != (PluginLimits{}) {
		ref.Limits = &LimitsRef{Memory: p.Limits.Memory, OutputBytes: p.Limits.OutputBytes}
		if d := p.Limits.CallTimeout; d != 0 {
			ref.Limits.CallTimeout = d.String()
		}
		if d := p.Limits.RunTimeout; d != 0 {
			ref.Limits.RunTimeout = d.String()
		}
	}
	return ref
}

var (
	pluginID  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// decodePlugins checks the plugins map. Nothing in it is expanded: a URL
// and a digest are not secrets, and ${...} there would be a mistake.
func decodePlugins(v any) (map[string]Plugin, []error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, []error{fieldError("plugins", "must be an object mapping a source id to {url, sha256}, got %s", kind(v))}
	}
	out := make(map[string]Plugin, len(m))
	var errs []error
	for _, id := range sortedKeys(m) {
		path := child("plugins", id)
		if !pluginID.MatchString(id) {
			errs = append(errs, fieldError(path, "a source id is lower-case letters, digits, - and _ (at most 63)"))
			continue
		}
		p, perrs := decodePlugin(path, m[id])
		errs = append(errs, perrs...)
		if len(perrs) == 0 {
			out[id] = p
		}
	}
	return out, errs
}

// decodePlugin decodes one entry into a PluginRef, refusing fields it does
// not have, then checks its values: every unknown field and wrong value
// is reported, and the first value of the wrong type.
func decodePlugin(path string, v any) (Plugin, []error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Plugin{}, []error{fieldError(path, "must be an object with url and sha256, got %s", kind(v))}
	}
	var ref PluginRef
	unknown, wrongType, err := decodeStrict(obj, &ref)
	var errs []error
	if err != nil {
		errs = append(errs, fieldError(path, "%v", err))
	}
	for _, k := range unknown {
		if strings.HasPrefix(k, "limits.") {
			errs = append(errs, fieldError(path+"."+k, "unknown limit; the limits are memory, callTimeout, runTimeout and outputBytes"))
		} else {
			errs = append(errs, fieldError(child(path, k), "unknown field; a plugin has url, sha256, limits and caBundle"))
		}
	}
	if wrongType != "" {
		errs = append(errs, typeError(path, wrongType))
	}
	// The decoder fills the other fields, so their values are checked
	// too; a field of the wrong type is reported once.
	p, verrs := ref.check(path, obj, wrongType)
	return p, append(errs, verrs...)
}

// check validates ref's values: those of the keys the file set (present),
// but the one of the wrong type (skip, as the decoder names it).
func (ref PluginRef) check(path string, present map[string]any, skip string) (Plugin, []error) {
	p := Plugin{URL: ref.URL, SHA256: ref.SHA256, CABundle: ref.CABundle}
	var errs []error
	if skip != "" {
		present = maps.Clone(present)
		delete(present, skip)
		if l, ok := present["limits"].(map[string]any); ok {
			l = maps.Clone(l)
			delete(l, strings.TrimPrefix(skip, "limits."))
			present["limits"] = l
		}
	}
	required := func(k string, ok func() bool, fix string) {
		if _, set := present[k]; set && !ok() {
			errs = append(errs, fieldError(child(path, k), "%s", fix))
		} else if !set && k != skip {
			errs = append(errs, fieldError(child(path, k), "required"))
		}
	}
	required("url", func() bool {
		return strings.HasPrefix(ref.URL, "https://") || strings.HasPrefix(ref.URL, "oci://")
	}, "must be https://... or oci://registry/repository:tag")
	required("sha256", func() bool { return sha256Hex.MatchString(ref.SHA256) },
		"must be the module's SHA-256, 64 lower-case hex digits")
	if _, ok := present["caBundle"]; ok && !strings.Contains(ref.CABundle, "-----BEGIN CERTIFICATE-----") {
		errs = append(errs, fieldError(child(path, "caBundle"), "must be PEM certificates (-----BEGIN CERTIFICATE-----)"))
	}
	if l := ref.Limits; l != nil {
		lpath := child(path, "limits")
		set, _ := present["limits"].(map[string]any)
		positive := func(k string, n int64) {
			if _, ok := set[k]; ok && n <= 0 {
				errs = append(errs, fieldError(child(lpath, k), "must be a positive number of bytes"))
			}
		}
		positive("memory", l.Memory)
		positive("outputBytes", l.OutputBytes)
		duration := func(k, s string) time.Duration {
			if _, ok := set[k]; !ok {
				return 0
			}
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				errs = append(errs, fieldError(child(lpath, k), "must be a positive duration such as 30s or 1h"))
			}
			return d
		}
		p.Limits = PluginLimits{Memory: l.Memory, OutputBytes: l.OutputBytes,
			CallTimeout: duration("callTimeout", l.CallTimeout), RunTimeout: duration("runTimeout", l.RunTimeout)}
	}
	return p, errs
}

// typeError words a value of the wrong type at field (as the decoder
// names it: limits.memory) with its fix.
func typeError(path, field string) error {
	switch field {
	case "limits.memory", "limits.outputBytes":
		return fieldError(path+"."+field, "must be a positive number of bytes")
	case "limits":
		return fieldError(path+"."+field, "must be an object with memory, callTimeout, runTimeout and outputBytes")
	case "limits.callTimeout", "limits.runTimeout":
		return fieldError(path+"."+field, "must be a positive duration such as 30s or 1h")
	}
	return fieldError(child(path, field), "must be a string")
}
