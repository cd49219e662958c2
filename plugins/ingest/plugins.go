package ingest

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// Plugin is an entry of the pipeline file's plugins map: where the module
// of a source that is not built in comes from, and its digest. The
// operator renders it from a SourcePlugin:
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
type Plugin struct {
	URL    string
	SHA256 string
	Limits PluginLimits
	// CABundle (PEM) is trusted besides the system's roots to fetch the
	// module: the SourcePlugin's spec.caBundle.
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

func decodePlugin(path string, v any) (Plugin, []error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Plugin{}, []error{fieldError(path, "must be an object with url and sha256, got %s", kind(v))}
	}
	var p Plugin
	var errs []error
	for _, k := range sortedKeys(obj) {
		f := child(path, k)
		switch k {
		case "url":
			s, _ := obj[k].(string)
			if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "oci://") {
				errs = append(errs, fieldError(f, "must be https://... or oci://registry/repository:tag"))
			}
			p.URL = s
		case "sha256":
			s, _ := obj[k].(string)
			if !sha256Hex.MatchString(s) {
				errs = append(errs, fieldError(f, "must be the module's SHA-256, 64 lower-case hex digits"))
			}
			p.SHA256 = s
		case "limits":
			var lerrs []error
			p.Limits, lerrs = decodeLimits(f, obj[k])
			errs = append(errs, lerrs...)
		case "caBundle":
			s, _ := obj[k].(string)
			if !strings.Contains(s, "-----BEGIN CERTIFICATE-----") {
				errs = append(errs, fieldError(f, "must be PEM certificates (-----BEGIN CERTIFICATE-----)"))
			}
			p.CABundle = s
		default:
			errs = append(errs, fieldError(f, "unknown field; a plugin has url, sha256, limits and caBundle"))
		}
	}
	if _, ok := obj["url"]; !ok {
		errs = append(errs, fieldError(child(path, "url"), "required"))
	}
	if _, ok := obj["sha256"]; !ok {
		errs = append(errs, fieldError(child(path, "sha256"), "required"))
	}
	return p, errs
}

func decodeLimits(path string, v any) (PluginLimits, []error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return PluginLimits{}, []error{fieldError(path, "must be an object, got %s", kind(v))}
	}
	var l PluginLimits
	var errs []error
	bytes := func(k string, dst *int64) {
		n, ok := obj[k].(json.Number)
		i, err := n.Int64()
		if !ok || err != nil || i <= 0 {
			errs = append(errs, fieldError(child(path, k), "must be a positive number of bytes"))
			return
		}
		*dst = i
	}
	duration := func(k string, dst *time.Duration) {
		s, _ := obj[k].(string)
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			errs = append(errs, fieldError(child(path, k), "must be a positive duration such as 30s or 1h"))
			return
		}
		*dst = d
	}
	for _, k := range sortedKeys(obj) {
		switch k {
		case "memory":
			bytes(k, &l.Memory)
		case "outputBytes":
			bytes(k, &l.OutputBytes)
		case "callTimeout":
			duration(k, &l.CallTimeout)
		case "runTimeout":
			duration(k, &l.RunTimeout)
		default:
			errs = append(errs, fieldError(child(path, k), "unknown limit; the limits are memory, callTimeout, runTimeout and outputBytes"))
		}
	}
	return l, errs
}
