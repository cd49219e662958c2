package ingest

import (
	"strings"
	"testing"
)

// The sources are made under the pipeline file's sandbox, which the
// operator writes, and under nothing a Run controls: the old
// WEIR_PLUGIN_ALLOW_* variables, which a Run's spec.env could set, are
// ignored.
func TestSourcesGetThePipelineSandbox(t *testing.T) {
	env := map[string]string{"WEIR_PLUGIN_ALLOW_LOOPBACK": "true", "WEIR_PLUGIN_ALLOW_LINK_LOCAL": "true", "WEIR_PLUGIN_ALLOW_METADATA": "true"}
	for _, tt := range []struct {
		name, file string
		want       Sandbox
	}{
		{"no sandbox key: nothing beyond the config's endpoints", "name: p\nruns:\n  - a: {}\n", Sandbox{}},
		{"the operator's settings", "name: p\nsandbox: {allowLinkLocal: true, allowMetadata: false}\nruns:\n  - a: {}\n", Sandbox{AllowLinkLocal: true}},
		{"all", "name: p\nsandbox: {allowLoopback: true, allowLinkLocal: true, allowMetadata: true}\nruns:\n  - a: {}\n",
			Sandbox{AllowLoopback: true, AllowLinkLocal: true, AllowMetadata: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got *Sandbox
			sources := func(sb Sandbox) (Registry, PluginLoader) {
				got = &sb
				return Registry{"a": &fakeSource{batches: tables(1, 1)}}, nil
			}
			cmd := newCommand(mapLookup(env), ingestWith(nil, deps{sources: sources}))
			if out, err := execute(cmd, "--dry-run", "-c", writeFile(t, tt.file)); err != nil {
				t.Fatalf("ingest: %v\n%s", err, out)
			}
			if got == nil || *got != tt.want {
				t.Errorf("sources made under %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSandboxErrors(t *testing.T) {
	for file, want := range map[string]string{
		"name: p\nsandbox: true\nruns:\n  - a: {}\n":                    "sandbox: must be an object with allowLoopback, allowLinkLocal and allowMetadata, got a boolean",
		"name: p\nsandbox: {allowLoopback: 'yes'}\nruns:\n  - a: {}\n":  "sandbox.allowLoopback: must be true or false, got a string",
		"name: p\nsandbox: {allowLinklocal: true}\nruns:\n  - a: {}\n":  "sandbox.allowLinklocal: unknown field; sandbox has allowLoopback, allowLinkLocal and allowMetadata",
		"name: p\nsandbox: {allowMetadata: '${X}'}\nruns:\n  - a: {}\n": "sandbox.allowMetadata: must be true or false",
		// Keys match case-sensitively, as in the API server.
		"name: p\nsandbox: {AllowMetadata: true}\nruns:\n  - a: {}\n": "sandbox.AllowMetadata: unknown field",
	} {
		_, err := Load(writeFile(t, file), mapLookup(map[string]string{"X": "true"}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%q) = %v; want an error saying %q", file, err, want)
		}
	}
}

// Modules draw declared variables from the pod's environment, but never
// weir's own: the Marmot API key, its address, WEIR_* settings.
func TestSourceEnvHidesWeirsOwn(t *testing.T) {
	env := map[string]string{APIKeyEnv: "k", HostEnv: "http://m", "WEIR_PLUGIN_CACHE": "/c", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"}
	lookup := SourceEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok })
	for _, n := range []string{APIKeyEnv, HostEnv, "WEIR_PLUGIN_CACHE"} {
		if v, ok := lookup(n); ok || v != "" {
			t.Errorf("%s reaches sources", n)
		}
	}
	if v, ok := lookup("AWS_ROLE_ARN"); !ok || v != env["AWS_ROLE_ARN"] {
		t.Errorf("AWS_ROLE_ARN = %q, %v", v, ok)
	}
}
