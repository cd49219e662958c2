package ingest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/plugins/ingest"
)

// The plugins and sandbox blocks have one definition (ingest.PluginRef,
// ingest.Sandbox): what the operator renders into pipeline.yaml, `weir
// ingest` reads back unchanged, every field set and none.
func TestPipelineBlocksRoundTrip(t *testing.T) {
	const sum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	run := &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: "p"}}
	for _, r := range []string{`{"full":{"host":"db"}}`, `{"bare":{}}`} {
		run.Spec.Runs = append(run.Spec.Runs, runtime.RawExtension{Raw: []byte(r)})
	}
	refs := map[string]runs.PluginRef{
		"full": {URL: "https://plugins.example.com/full.wasm", SHA256: sum,
			Limits:   &runs.PluginLimits{Memory: 128 << 20, CallTimeout: "30s", RunTimeout: "1h30m0s", OutputBytes: 1 << 20},
			CABundle: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
		"bare": {URL: "oci://ghcr.io/acme/bare:1.0", SHA256: sum},
	}
	for _, sb := range []runs.Sandbox{{}, {AllowLoopback: true, AllowLinkLocal: true, AllowMetadata: true}} {
		out, err := runs.RenderPipelineWith(run, refs, sb)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), runs.PipelineKey)
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := ingest.Load(path, nil)
		if err != nil {
			t.Fatalf("weir ingest cannot read the rendered file: %v\n%s", err, out)
		}
		got := map[string]ingest.PluginRef{}
		for id, pl := range p.Plugins {
			got[id] = pl.Ref()
		}
		if !reflect.DeepEqual(got, refs) || p.Sandbox != sb {
			t.Errorf("rendered plugins %+v and sandbox %+v, weir ingest read %+v and %+v:\n%s", refs, sb, got, p.Sandbox, out)
		}
		if again, err := runs.RenderPipelineWith(run, got, p.Sandbox); err != nil || !bytes.Equal(again, out) {
			t.Errorf("rendering what was read gives another file (%v):\n%s\nwant\n%s", err, again, out)
		}
		if got["full"].Limits.RunTimeout != "1h30m0s" || p.Plugins["full"].Limits.RunTimeout.Minutes() != 90 {
			t.Errorf("runTimeout read as %v", p.Plugins["full"].Limits.RunTimeout)
		}
	}
}
