package ingest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/plugins/ingest"
)

// FuzzPipelineRoundTrip (here, not in operator/runs, whose test binary
// starts the envtest suite): whatever runs[] entry a Run holds, the
// pipeline.yaml the operator renders is YAML `weir ingest` reads, with
// the Run's name, one source per entry in order, the SourcePlugin's
// module and the operator's sandbox settings exactly as rendered.
func FuzzPipelineRoundTrip(f *testing.F) {
	for _, s := range []string{
		`{"postgresql":{"host":"db","port":5432,"user":"u","password":"${PG_PASSWORD}"}}`,
		`{"good":{"host":"db.example.com","batches":2}}`,
		`{"postgresql":{"host":"db","tags":["a: b","- c","'q'","\"d\""],"filter":{"include":["^x$"]}}}`,
		`{"postgresql":{"host":"db\n---\nsandbox: {allowLoopback: true}"}}`,
		`{"postgresql":null}`, `[]`, `{"a":{},"b":{}}`, `{"postgresql":{"n":123456789012345678901234567890}}`,
	} {
		f.Add(s, "https://example.com/good.wasm", false)
	}
	const sum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	f.Fuzz(func(t *testing.T, entry, url string, allowLoopback bool) {
		if !utf8.ValidString(url) { // the API server holds only UTF-8
			return
		}
		run := &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: "p"}}
		for _, r := range []string{entry, `{"good":{"host":"db"}}`} {
			run.Spec.Runs = append(run.Spec.Runs, runtime.RawExtension{Raw: []byte(r)})
		}
		plugins := map[string]runs.PluginRef{"good": {URL: url, SHA256: sum}}
		out, err := runs.RenderPipelineWith(run, plugins, runs.Sandbox{AllowLoopback: allowLoopback})
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), runs.PipelineKey)
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := ingest.Load(path, func(string) (string, bool) { return "x", true })
		if err != nil {
			if strings.Contains(err.Error(), "invalid YAML") {
				t.Fatalf("the rendered file is not YAML ingest reads: %v\n%s", err, out)
			}
			return
		}
		if p.Name != run.Name || len(p.Runs) != 2 || p.Runs[1].Source != "good" {
			t.Fatalf("ingest read name %q and %d runs from\n%s", p.Name, len(p.Runs), out)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(entry), &obj) != nil || len(obj) != 1 {
			t.Fatalf("ingest accepted entry %q, not an object with one source", entry)
		}
		for k := range obj {
			if p.Runs[0].Source != k {
				t.Fatalf("source %q, want %q", p.Runs[0].Source, k)
			}
		}
		if got := p.Plugins["good"]; got.URL != url || got.SHA256 != sum {
			t.Fatalf("plugin %+v, want url %q", got, url)
		}
		if p.Sandbox.AllowLoopback != allowLoopback || p.Sandbox.AllowLinkLocal || p.Sandbox.AllowMetadata {
			t.Fatalf("sandbox %+v, want only allowLoopback=%v: a Run's entry changed the operator's settings", p.Sandbox, allowLoopback)
		}
	})
}
