package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
	"github.com/weir-dev/weir/plugins/sink/marmottest"
)

const marmotKey = "ingest-test-key"

// runIngest runs `weir ingest` as a Job pod does: the pipeline file, the
// environment, and Marmot at MARMOT_HOST.
func runIngest(t *testing.T, cache, caFile, marmot, pipeline string) (string, error) {
	t.Helper()
	t.Setenv("WEIR_PLUGIN_CACHE", cache)
	t.Setenv("WEIR_PLUGIN_CA_FILE", caFile)
	t.Setenv("MARMOT_HOST", marmot)
	t.Setenv("MARMOT_API_KEY", marmotKey)
	path := filepath.Join(t.TempDir(), "pipeline.yaml")
	if err := os.WriteFile(path, []byte(pipeline), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := ingestCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"-c", path})
	err := cmd.Execute()
	return out.String(), err
}

func pluginPipeline(url, sum string) string {
	return "name: shop\nruns:\n  - good: {host: db.example.com, batches: 3}\nplugins:\n  good:\n    url: " + url +
		"\n    sha256: " + sum + "\n    limits: {memory: 134217728, runTimeout: 5m}\n"
}

// A pipeline's plugin is fetched, verified, cached by digest and run like
// a built-in; a second run reads it from the cache.
func TestIngestRunsAPlugin(t *testing.T) {
	good := fetchtest.MustGoodModule(t)
	srv := fetchtest.NewServer(t)
	url, sum := srv.Put("/good.wasm", good)
	marmot := marmottest.New(marmottest.Options{APIKey: marmotKey})
	defer marmot.Close()
	cache := t.TempDir()

	for run := range 2 {
		if out, err := runIngest(t, cache, srv.CAFile, marmot.URL, pluginPipeline(url, sum)); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out)
		}
	}
	if v := marmot.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %q", v)
	}
	if got := len(marmot.Catalog()); got != 3 {
		t.Errorf("Marmot holds %d assets, want the plugin's 3 tables: %q", got, marmot.Catalog())
	}
	if runs := marmot.Runs(); len(runs) != 2 || runs[0].Source != "good" || runs[1].Status != "completed" {
		t.Errorf("runs = %+v", runs)
	}
	if n := srv.Hits("/good.wasm"); n != 1 {
		t.Errorf("module downloaded %d times in two runs, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(cache, "modules", sum+".wasm")); err != nil {
		t.Errorf("verified module not cached by digest: %v", err)
	}
}

// Bytes other than the ones the pipeline's sha256 names are refused, and
// nothing reaches Marmot.
func TestIngestRefusesATamperedPlugin(t *testing.T) {
	good := fetchtest.MustGoodModule(t)
	srv := fetchtest.NewServer(t)
	sum := fetchtest.SHA256(good)
	tampered := append(bytes.Clone(good), []byte("\x00\x0bextra")...)
	url, got := srv.Put("/good.wasm", tampered)
	marmot := marmottest.New(marmottest.Options{APIKey: marmotKey})
	defer marmot.Close()
	cache := t.TempDir()

	out, err := runIngest(t, cache, srv.CAFile, marmot.URL, pluginPipeline(url, sum))
	if err == nil {
		t.Fatalf("ingest ran tampered bytes:\n%s", out)
	}
	for _, w := range []string{`source "good" (runs[0])`, "sha256 " + got, "sha256 " + sum + " was expected", "refusing"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if reqs := marmot.Requests(); len(reqs) != 0 {
		t.Errorf("%d requests reached Marmot", len(reqs))
	}
	if entries, _ := os.ReadDir(filepath.Join(cache, "modules")); len(entries) != 0 {
		t.Errorf("refused bytes were cached")
	}
}
