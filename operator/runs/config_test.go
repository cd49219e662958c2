package runs_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/plugins/ingest"
)

func runWith(raws ...string) *runsv1.Run {
	run := &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: "p"}}
	for _, r := range raws {
		run.Spec.Runs = append(run.Spec.Runs, runtime.RawExtension{Raw: []byte(r)})
	}
	return run
}

func TestRenderPipelineKeepsEveryEntryAndReferences(t *testing.T) {
	out, err := runs.RenderPipeline(runWith(
		`{"postgresql":{"host":"db","password":"${PG_PASSWORD}"}}`,
		`{"s3":{"bucket":"b"}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name string           `json:"name"`
		Runs []map[string]any `json:"runs"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("rendered pipeline is not YAML: %v\n%s", err, out)
	}
	if doc.Name != "p" || len(doc.Runs) != 2 {
		t.Fatalf("got name %q and %d runs, want p and 2:\n%s", doc.Name, len(doc.Runs), out)
	}
	pg := doc.Runs[0]["postgresql"].(map[string]any)
	if pg["password"] != "${PG_PASSWORD}" {
		t.Fatalf("the ${VAR} reference must stay as text, got %v", pg["password"])
	}
	if contains(string(out), "plugins") {
		t.Fatalf("a Run without SourcePlugins got a plugins key:\n%s", out)
	}
}

func TestRenderPipelineAddsPlugins(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	out, err := runs.RenderPipeline(runWith(`{"good":{"host":"db"}}`, `{"postgresql":{"host":"db"}}`), map[string]runs.PluginRef{
		"good": {URL: "https://plugins.example.com/good.wasm", SHA256: sum,
			Limits: &runs.PluginLimits{Memory: 128 << 20, CallTimeout: "30s"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name    string                    `json:"name"`
		Runs    []map[string]any          `json:"runs"`
		Plugins map[string]map[string]any `json:"plugins"`
	}
	if err := yaml.UnmarshalStrict(out, &doc); err != nil {
		t.Fatalf("rendered pipeline: %v\n%s", err, out)
	}
	want := map[string]any{"url": "https://plugins.example.com/good.wasm", "sha256": sum,
		"limits": map[string]any{"memory": float64(128 << 20), "callTimeout": "30s"}}
	if len(doc.Plugins) != 1 || !reflect.DeepEqual(doc.Plugins["good"], want) || len(doc.Runs) != 2 {
		t.Fatalf("plugins = %v, want good: %v\n%s", doc.Plugins, want, out)
	}
}

func TestSourceIDs(t *testing.T) {
	got := runs.SourceIDs(runWith(`{"postgresql":{}}`, `"bad"`, `{"good":{},"b":{}}`, `{"postgresql":{}}`))
	if want := []string{"postgresql", "b", "good"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SourceIDs = %q, want %q", got, want)
	}
}

func TestRenderPipelineNamesEveryBadEntry(t *testing.T) {
	_, err := runs.RenderPipeline(runWith(`{"postgresql":{}}`, `"postgresql"`, `[1]`), nil)
	if err == nil {
		t.Fatal("want an error for entries that are not objects")
	}
	for _, want := range []string{"spec.runs[1]", "spec.runs[2]"} {
		if !contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if contains(err.Error(), "spec.runs[0]") {
		t.Errorf("error %q names a valid entry", err)
	}
}

func TestRenderPipelineNeedsASource(t *testing.T) {
	if _, err := runs.RenderPipeline(runWith(), nil); err == nil || !contains(err.Error(), "spec.runs") {
		t.Fatalf("want an error naming spec.runs, got %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// The operator's sandbox settings reach `weir ingest` through
// pipeline.yaml, which it reads as the same settings; without any, the
// file has no sandbox key, whatever the Run's entries say.
func TestRenderPipelineSandbox(t *testing.T) {
	run := runWith(`{"postgresql":{"host":"db"}}`, `{"sandbox":{"allowMetadata":true}}`)
	for _, sb := range []runs.Sandbox{{}, {AllowLinkLocal: true}, {AllowLoopback: true, AllowLinkLocal: true, AllowMetadata: true}} {
		out, err := runs.RenderPipelineWith(run, nil, sb)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "pipeline.yaml")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := ingest.Load(path, nil)
		if err != nil {
			t.Fatalf("weir ingest cannot read the rendered file: %v\n%s", err, out)
		}
		want := sb // runs.Sandbox is ingest.Sandbox: what the manager writes is what weir ingest reads
		if p.Sandbox != want {
			t.Errorf("rendered %+v, weir ingest reads %+v:\n%s", sb, p.Sandbox, out)
		}
		if top := strings.Contains(string(out), "\nsandbox:"); top != (sb != runs.Sandbox{}) {
			t.Errorf("top-level sandbox key present = %v for %+v:\n%s", top, sb, out)
		}
	}
}
