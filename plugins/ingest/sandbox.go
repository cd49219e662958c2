package ingest

import "strings"

// Sandbox is the pipeline file's sandbox key: the operator's say on which
// addresses the sources' modules may reach beyond what their configs name.
// The operator writes it from its own configuration, never from a Run, and
// `weir ingest` takes it from nowhere else (no environment variable: a
// Run's spec.env reaches the pod's environment). A loopback host a config
// names (127.0.0.1, ::1, localhost) needs none of it.
//
//	sandbox:
//	  allowLoopback: true    # loopback behind other names, and 0.0.0.0 / ::
//	  allowLinkLocal: true   # 169.254.0.0/16, fe80::/10 (cloud metadata excepted)
//	  allowMetadata: true    # cloud metadata addresses (169.254.169.254, ...)
//
// Environment variables are not the sandbox's business: a source
// declares the ones it may receive, and `weir ingest` passes those the
// pod has (SourceEnv).
//
// Marmot ignores top-level keys it does not know.
type Sandbox struct {
	AllowLoopback  bool `json:"allowLoopback,omitempty"`
	AllowLinkLocal bool `json:"allowLinkLocal,omitempty"`
	AllowMetadata  bool `json:"allowMetadata,omitempty"`
}

// decodeSandbox decodes the sandbox key strictly into a Sandbox: booleans
// only, never expanded.
func decodeSandbox(v any) (Sandbox, []error) {
	var sb Sandbox
	if v == nil {
		return sb, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return sb, []error{fieldError("sandbox", "must be an object with allowLoopback, allowLinkLocal and allowMetadata, got %s", kind(v))}
	}
	unknown, wrongType, err := decodeStrict(m, &sb)
	var errs []error
	for _, k := range unknown {
		errs = append(errs, fieldError(child("sandbox", k), "unknown field; sandbox has allowLoopback, allowLinkLocal and allowMetadata"))
	}
	if wrongType != "" {
		errs = append(errs, fieldError(child("sandbox", wrongType), "must be true or false, got %s", kind(m[wrongType])))
	}
	if err == nil {
		return sb, errs
	}
	return sb, []error{fieldError("sandbox", "%v", err)}
}

// SourceEnv is what the sources' modules may draw the environment
// variables they declare ("x-weir-env" in their schema, e.g. the s3
// source's AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE for IRSA) from:
// lookup (the pod's environment) less weir's own settings, so that no
// module, whatever it declares, gets the Marmot API key. Undeclared
// variables never reach a module in any case (plugins/host).
func SourceEnv(lookup func(string) (string, bool)) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if name == APIKeyEnv || name == HostEnv || strings.HasPrefix(name, "WEIR_") {
			return "", false
		}
		return lookup(name)
	}
}
