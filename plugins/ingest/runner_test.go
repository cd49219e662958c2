package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink"
	"github.com/weir-dev/weir/plugins/sink/marmottest"
)

const (
	testAPIKey = "test-api-key-do-not-print"
	pgPassword = "pg-password-do-not-send"
)

var fastRetry = sink.Retry{Attempts: 3, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}

type outcome struct {
	stdout, stderr string
	err            error
}

// ingest runs `weir ingest` as the Job pod does, against host, with the
// sources of reg.
func ingest(t *testing.T, reg Registry, host, pipeline string, args ...string) outcome {
	t.Helper()
	return ingestWithPlugins(t, reg, nil, host, pipeline, args...)
}

// ingestWithPlugins is ingest where load makes the pipeline's plugins.
func ingestWithPlugins(t *testing.T, reg Registry, load PluginLoader, host, pipeline string, args ...string) outcome {
	t.Helper()
	env := map[string]string{APIKeyEnv: testAPIKey, "PG_PASSWORD": pgPassword}
	if host != "" {
		env[HostEnv] = host
	}
	tmp := t.TempDir()
	cmd := newCommand(mapLookup(env), ingestWith(reg, deps{plugins: load, tokenFile: filepath.Join(tmp, "no-token"), retry: fastRetry, tempDir: tmp}))
	var stdout, stderr bytes.Buffer
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	cmd.SetArgs(append(args, "-c", writeFile(t, pipeline)))
	err := cmd.Execute()
	if entries, _ := os.ReadDir(tmp); len(entries) > 1 { // the config file
		t.Errorf("temporary files left behind: %d", len(entries))
	}
	for _, out := range []string{stdout.String(), stderr.String()} {
		if strings.Contains(out, testAPIKey) || strings.Contains(out, pgPassword) {
			t.Errorf("a secret was printed:\n%s", out)
		}
	}
	return outcome{stdout.String(), stderr.String(), err}
}

func noViolations(t *testing.T, srv *marmottest.Server) {
	t.Helper()
	for _, v := range srv.Violations() {
		t.Errorf("contract violation: %s", v)
	}
}

// calls lists the requests as "METHOD path".
func calls(srv *marmottest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Method+" "+strings.TrimPrefix(r.Path, "/api/v1"))
	}
	return out
}

// batchBody is the part of a batch request the tests look at.
type batchBody struct {
	Assets []struct {
		Name          string               `json:"name"`
		Type          string               `json:"type"`
		Tags          []string             `json:"tags"`
		ExternalLinks []model.ExternalLink `json:"external_links"`
		Metadata      map[string]any       `json:"metadata"`
	} `json:"assets"`
	Lineage       []model.Lineage   `json:"lineage"`
	Documentation []json.RawMessage `json:"documentation"`
	Statistics    json.RawMessage   `json:"statistics"`
	Config        map[string]any    `json:"config"`
	SourceName    string            `json:"source_name"`
}

func batches(t *testing.T, srv *marmottest.Server) []batchBody {
	t.Helper()
	var out []batchBody
	for _, r := range srv.Requests() {
		if r.Path == sink.PathBatch {
			var b batchBody
			if err := json.Unmarshal(r.Body, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

const shopPipeline = `name: shop-pipeline
runs:
  - postgresql:
      host: db
      password: ${PG_PASSWORD}
      tags: [postgres, "db-${database}", "${missing}"]
      external_links: [{name: Runbook, url: "https://runbooks/pg", icon: book}]
  - files:
      path: /data
`

func TestIngestPushesPerContract(t *testing.T) {
	srv := marmottest.New(marmottest.Options{APIKey: testAPIKey})
	defer srv.Close()
	pg := &fakeSource{schema: pgSchema, batches: shopFixture()}
	files := &fakeSource{batches: tables(3, 2)}
	o := ingest(t, Registry{"postgresql": pg, "files": files}, srv.URL, shopPipeline)
	if o.err != nil {
		t.Fatalf("ingest failed: %v\n%s", o.err, o.stderr)
	}
	noViolations(t, srv)
	want := []string{"POST /runs/start", "POST /runs/assets/batch", "POST /runs/complete", "POST /runs/start", "POST /runs/assets/batch", "POST /runs/complete"}
	if got := calls(srv); !slices.Equal(got, want) {
		t.Errorf("requests = %v\nwant       %v", got, want)
	}

	// The source gets the real password; Marmot only the masked one.
	if _, n := pg.calls(); n != 1 || !strings.Contains(string(pg.discovered[0]), pgPassword) || !strings.Contains(string(pg.validated[0]), pgPassword) {
		t.Errorf("the source did not get the unmasked config")
	}
	runs := srv.Runs()
	if runs[0].Config["password"] != sink.Masked || runs[0].Config["host"] != "db" {
		t.Errorf("runs/start config = %v", runs[0].Config)
	}
	for _, r := range srv.Requests() {
		if bytes.Contains(r.Body, []byte(pgPassword)) {
			t.Errorf("%s sent the password", r.Path)
		}
	}

	b := batches(t, srv)
	pgb := b[0]
	// The two orders share an MRN: only the last is sent (see
	// TestIngestSharedMRN).
	if len(pgb.Assets) != 8 || len(pgb.Lineage) != 8 || len(pgb.Documentation) != 2 || string(pgb.Statistics) != "null" {
		t.Errorf("postgresql batch: %d assets, %d lineage, %d docs, statistics %s; want 8, 8, 2, null",
			len(pgb.Assets), len(pgb.Lineage), len(pgb.Documentation), pgb.Statistics)
	}
	if pgb.Config["password"] != sink.Masked {
		t.Errorf("batch config = %v", pgb.Config)
	}
	for _, a := range pgb.Assets {
		db := "db-shop"
		if a.Type == "Database" {
			db = "db-" + a.Name
		}
		if !slices.Equal(a.Tags, []string{"postgres", db}) {
			t.Errorf("%s tags = %q, want [postgres %s]", a.Name, a.Tags, db)
		}
		if len(a.ExternalLinks) != 1 || a.ExternalLinks[0] != (model.ExternalLink{Name: "Runbook", URL: "https://runbooks/pg"}) {
			t.Errorf("%s external_links = %v", a.Name, a.ExternalLinks)
		}
	}
	if a := b[1].Assets[0]; a.Tags != nil || len(a.ExternalLinks) != 0 {
		t.Errorf("files asset got tags %v, links %v, from the other source", a.Tags, a.ExternalLinks)
	}
	if runs[0].Summary["total_entities"] != 18 || runs[0].Summary["assets_created"] != 8 || runs[0].Summary["assets_updated"] != 0 {
		t.Errorf("summary = %v, want 18 entities, 8 created", runs[0].Summary)
	}
	if got := len(srv.Catalog()); got != 8+3 {
		t.Errorf("catalogue has %d assets, want 11", got)
	}
	for _, w := range []string{`msg="discovery finished"`, "assets_discovered=9", "assets_kept=8", "statistics_not_sent=1", `msg="run completed"`, "assets_pushed=8",
		`mrn=mrn://table/postgresql/orders kept=shop.sales.orders dropped=shop.public.orders`, "elapsed=", "source=files"} {
		if !strings.Contains(o.stderr, w) {
			t.Errorf("logs lack %q:\n%s", w, o.stderr)
		}
	}
}

// TestIngestFilter uses the contract's observed example (§8.3).
func TestIngestFilter(t *testing.T) {
	srv := marmottest.New(marmottest.Options{APIKey: testAPIKey})
	defer srv.Close()
	pg := &fakeSource{schema: pgSchema, batches: shopFixture()}
	o := ingest(t, Registry{"postgresql": pg}, srv.URL, `name: p
runs:
  - postgresql:
      filter: {include: ["^shop$", "order"], exclude: ["^customer_"]}
`)
	if o.err != nil {
		t.Fatalf("ingest failed: %v\n%s", o.err, o.stderr)
	}
	noViolations(t, srv)
	b := batches(t, srv)[0]
	var names []string
	for _, a := range b.Assets {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{"shop", "orders"}) || b.Assets[1].Metadata["schema"] != "sales" {
		t.Errorf("assets = %v, want shop and the last orders (sales)", names)
	}
	wantEdge := model.Lineage{Source: "mrn://database/postgresql/shop", Target: "mrn://table/postgresql/orders", Type: "CONTAINS"}
	if len(b.Lineage) != 2 || b.Lineage[0] != wantEdge || b.Lineage[1] != wantEdge {
		t.Errorf("lineage = %v, want the two CONTAINS shop->orders", b.Lineage)
	}
	if len(b.Documentation) != 1 || !strings.Contains(string(b.Documentation[0]), "mrn://table/postgresql/orders") {
		t.Errorf("documentation = %s, want only orders'", b.Documentation)
	}
	if s := srv.Runs()[0].Summary; s["total_entities"] != 5 {
		t.Errorf("summary = %v", s)
	}
}

func TestIngestFailures(t *testing.T) {
	good := func() *fakeSource { return &fakeSource{batches: tables(2, 5)} }
	tests := []struct {
		name     string
		sources  Registry
		pipeline string
		server   marmottest.Options
		fail     func(*marmottest.Server)
		wantErr  []string
		// wantCalls are the requests, wantRuns each run's final status
		// and error.
		wantCalls []string
		wantRuns  []string
		// keptAsset, seeded for pipeline p and source bad, must survive.
		keptAsset bool
	}{
		{
			name:     "unknown source between good ones",
			sources:  Registry{"a": good(), "b": good()},
			pipeline: "name: p\nruns:\n  - a: {}\n  - nosuch: {}\n  - b: {}\n",
			wantErr:  []string{`pipeline "p": 1 of 3 sources failed`, `source "nosuch" (runs[1]): unknown source "nosuch"; known sources: a, b`},
			wantCalls: []string{"POST /runs/start", "POST /runs/assets/batch", "POST /runs/complete",
				"POST /runs/start", "POST /runs/assets/batch", "POST /runs/complete"},
			wantRuns:  []string{"completed", "completed"},
			keptAsset: true,
		},
		{
			name:      "invalid config sends nothing",
			sources:   Registry{"bad": &fakeSource{validateErr: errors.New("host: required")}},
			pipeline:  "name: p\nruns:\n  - bad: {}\n",
			wantErr:   []string{`source "bad" (runs[0]): invalid config: host: required`},
			keptAsset: true,
		},
		{
			name:      "bad common config sends nothing",
			sources:   Registry{"bad": good()},
			pipeline:  "name: p\nruns:\n  - bad: {filter: {exclude: ['(']}}\n",
			wantErr:   []string{"runs[0].bad.filter.exclude[0]: invalid regular expression"},
			keptAsset: true,
		},
		{
			name: "discovery fails after emitting",
			sources: Registry{"bad": &fakeSource{batches: tables(3, 1), discoverErr: &sourceError{"connection refused"}},
				"a": good()},
			pipeline:  "name: p\nruns:\n  - bad: {}\n  - a: {}\n",
			wantErr:   []string{`source "bad" (runs[0]): discovery failed after 3 assets: connection refused`},
			wantCalls: []string{"POST /runs/start", "POST /runs/complete", "POST /runs/start", "POST /runs/assets/batch", "POST /runs/complete"},
			wantRuns:  []string{"failed: discovery failed after 3 assets: connection refused", "completed"},
			keptAsset: true,
		},
		{
			name:      "an asset fails in Marmot",
			sources:   Registry{"bad": good()},
			server:    marmottest.Options{AssetError: func(name, _ string) string { return map[string]string{"table_1": "value too long"}[name] }},
			pipeline:  "name: p\nruns:\n  - bad: {}\n",
			wantErr:   []string{`1 of 2 assets failed in Marmot, the first "table_1" (mrn://table/postgresql/table_1): value too long`},
			wantCalls: []string{"POST /runs/start", "POST /runs/assets/batch", "POST /runs/complete"},
			wantRuns:  []string{"failed"},
		},
		{
			name:      "nothing discovered: no empty batch",
			sources:   Registry{"bad": &fakeSource{batches: [][]model.Item{{{Lineage: &model.Lineage{Source: "a", Target: "b"}}}}}},
			pipeline:  "name: p\nruns:\n  - bad: {}\n",
			wantErr:   []string{"the source discovered no assets; nothing was sent"},
			wantCalls: []string{"POST /runs/start", "POST /runs/complete"},
			wantRuns:  []string{"failed: the source discovered no assets; nothing was sent, so Marmot keeps what earlier runs ingested (a batch without assets would delete it all). Check the source's config and permissions"},
			keptAsset: true,
		},
		{
			name:      "asset without a provider",
			sources:   Registry{"bad": &fakeSource{batches: append(tables(1, 1), []model.Item{{Asset: &model.Asset{Name: "x", Type: "Table"}}})}},
			pipeline:  "name: p\nruns:\n  - bad: {}\n",
			wantErr:   []string{`asset "x" of type "Table" has no provider`},
			wantCalls: []string{"POST /runs/start", "POST /runs/complete"},
			wantRuns:  []string{`failed: asset "x" of type "Table" has no provider; Marmot needs providers[0] to derive its MRN`},
			keptAsset: true,
		},
		{
			name:      "a source that ignores emit's error sends no partial batch",
			sources:   Registry{"bad": &fakeSource{swallow: true, batches: append(tables(1, 1), []model.Item{{Asset: &model.Asset{Name: "x", Type: "Table"}}}, tables(1, 1)[0])}},
			pipeline:  "name: p\nruns:\n  - bad: {}\n",
			wantErr:   []string{`asset "x" of type "Table" has no provider`},
			wantCalls: []string{"POST /runs/start", "POST /runs/complete"},
			wantRuns:  []string{`failed: asset "x" of type "Table" has no provider; Marmot needs providers[0] to derive its MRN`},
			keptAsset: true,
		},
		{
			name:      "start refused; the next source still runs",
			sources:   Registry{"bad": good(), "a": good()},
			pipeline:  "name: p\nruns:\n  - bad: {}\n  - a: {}\n",
			fail:      func(s *marmottest.Server) { s.FailNext("POST", sink.PathStartRun, marmottest.Failure{Status: 403}) },
			wantErr:   []string{`source "bad" (runs[0]): starting the run: POST /api/v1/runs/start: 403 Forbidden`},
			wantCalls: []string{"POST /runs/start", "POST /runs/start", "POST /runs/assets/batch", "POST /runs/complete"},
			wantRuns:  []string{"completed"},
			keptAsset: true,
		},
		{
			name:     "batch keeps failing",
			sources:  Registry{"bad": good()},
			pipeline: "name: p\nruns:\n  - bad: {}\n",
			fail: func(s *marmottest.Server) {
				s.FailNext("POST", sink.PathBatch, marmottest.Failure{Reset: true}, marmottest.Failure{Status: 502}, marmottest.Failure{Status: 503})
			},
			wantErr:   []string{"sending the batch of 2 assets: POST /api/v1/runs/assets/batch: 503 Service Unavailable", "gave up after 3 attempts"},
			wantCalls: []string{"POST /runs/start", "POST /runs/assets/batch", "POST /runs/assets/batch", "POST /runs/assets/batch", "POST /runs/complete"},
			wantRuns:  []string{"failed: sending the batch of 2 assets: POST /api/v1/runs/assets/batch: 503 Service Unavailable: Service Unavailable (gave up after 3 attempts)"},
			keptAsset: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.server.APIKey = testAPIKey
			srv := marmottest.New(tt.server)
			defer srv.Close()
			srv.AddAsset("p", "bad", "mrn://table/postgresql/earlier")
			if tt.fail != nil {
				tt.fail(srv)
			}
			o := ingest(t, tt.sources, srv.URL, tt.pipeline)
			if o.err == nil {
				t.Fatalf("ingest succeeded; want a failure\n%s", o.stderr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(o.err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, o.err)
				}
			}
			if !strings.Contains(o.stderr, `msg="source failed"`) {
				t.Errorf("the failure is not logged:\n%s", o.stderr)
			}
			noViolations(t, srv)
			if got := calls(srv); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("requests = %v\nwant       %v", got, tt.wantCalls)
			}
			var runs []string
			for _, r := range srv.Runs() {
				s := r.Status
				if r.Error != "" {
					s += ": " + r.Error
				}
				if r.Status == "failed" && r.Summary != nil && r.Batches == 0 {
					t.Errorf("run %s failed before its batch but has a summary", r.ID)
				}
				runs = append(runs, s)
			}
			if !slices.Equal(runs, tt.wantRuns) {
				t.Errorf("runs = %q\nwant   %q", runs, tt.wantRuns)
			}
			if kept := slices.Contains(srv.Catalog(), "mrn://table/postgresql/earlier"); kept != tt.keptAsset {
				t.Errorf("asset of an earlier run kept = %v, want %v", kept, tt.keptAsset)
			}
		})
	}
}

type sourceError struct{ msg string }

func (e *sourceError) Error() string { return e.msg }

// TestIngestFilterKeepsNothing: as upstream, a run whose filter keeps no
// asset sends no batch and completes; earlier assets stay.
func TestIngestFilterKeepsNothing(t *testing.T) {
	srv := marmottest.New(marmottest.Options{APIKey: testAPIKey})
	defer srv.Close()
	srv.AddAsset("p", "a", "mrn://table/postgresql/earlier")
	o := ingest(t, Registry{"a": &fakeSource{batches: tables(3, 2)}}, srv.URL, "name: p\nruns:\n  - a: {filter: {include: ['^nothing$']}}\n")
	if o.err != nil {
		t.Fatalf("ingest failed: %v", o.err)
	}
	noViolations(t, srv)
	if got := calls(srv); !slices.Equal(got, []string{"POST /runs/start", "POST /runs/complete"}) {
		t.Errorf("requests = %v", got)
	}
	if r := srv.Runs()[0]; r.Status != "completed" || r.Summary["total_entities"] != 0 {
		t.Errorf("run = %+v", r)
	}
	if !slices.Contains(srv.Catalog(), "mrn://table/postgresql/earlier") {
		t.Error("the earlier asset was deleted")
	}
	if !strings.Contains(o.stderr, "the filter kept none") {
		t.Errorf("no warning:\n%s", o.stderr)
	}
}

func TestIngestDryRun(t *testing.T) {
	pg := &fakeSource{schema: pgSchema, batches: shopFixture()}
	files := &fakeSource{batches: tables(2, 2)}
	o := ingest(t, Registry{"postgresql": pg, "files": files}, "", shopPipeline, "--dry-run")
	if o.err != nil {
		t.Fatalf("dry run failed: %v\n%s", o.err, o.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
	var got []string
	for _, line := range lines {
		var l struct {
			Method, Path string
			Body         map[string]any
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("not a JSON line: %v\n%s", err, line)
		}
		got = append(got, l.Method+" "+l.Path)
		if cfg, ok := l.Body["config"].(map[string]any); ok && cfg["host"] == "db" && cfg["password"] != sink.Masked {
			t.Errorf("%s: config not masked: %v", l.Path, cfg)
		}
		if l.Path == sink.PathBatch && l.Body["source_name"] == "postgresql" && len(l.Body["assets"].([]any)) != 8 {
			t.Errorf("postgresql batch has %d assets", len(l.Body["assets"].([]any)))
		}
	}
	want := []string{"POST /api/v1/runs/start", "POST /api/v1/runs/assets/batch", "POST /api/v1/runs/complete",
		"POST /api/v1/runs/start", "POST /api/v1/runs/assets/batch", "POST /api/v1/runs/complete"}
	if !slices.Equal(got, want) {
		t.Errorf("lines = %v\nwant    %v", got, want)
	}
}

func TestIngestDestroy(t *testing.T) {
	srv := marmottest.New(marmottest.Options{APIKey: testAPIKey})
	defer srv.Close()
	srv.AddAsset("shop-pipeline", "postgresql", "mrn://table/postgresql/orders")
	pg := &fakeSource{schema: pgSchema}
	o := ingest(t, Registry{"postgresql": pg}, srv.URL, shopPipeline, "--destroy", "-y")
	if o.err != nil {
		t.Fatalf("destroy failed: %v\n%s", o.err, o.stderr)
	}
	noViolations(t, srv)
	if got := calls(srv); !slices.Equal(got, []string{"DELETE /pipelines/shop-pipeline"}) {
		t.Errorf("requests = %v", got)
	}
	if len(srv.Catalog()) != 0 || !strings.Contains(o.stderr, "assets_deleted=1") {
		t.Errorf("catalogue %v; logs:\n%s", srv.Catalog(), o.stderr)
	}
	if v, d := pg.calls(); v+d != 0 {
		t.Error("destroy ran the source")
	}
	if o := ingest(t, Registry{}, srv.URL, shopPipeline, "--destroy", "--dry-run"); o.err != nil || o.stdout != `{"method":"DELETE","path":"/api/v1/pipelines/shop-pipeline","body":null}`+"\n" {
		t.Errorf("dry-run destroy: %v\n%q", o.err, o.stdout)
	}
}

func TestIngestBearerToken(t *testing.T) {
	srv := marmottest.New(marmottest.Options{BearerToken: "sa-token"})
	defer srv.Close()
	tmp := t.TempDir()
	token := filepath.Join(tmp, "token")
	if err := os.WriteFile(token, []byte("sa-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := newCommand(mapLookup(map[string]string{HostEnv: srv.URL}), ingestWith(Registry{"a": &fakeSource{batches: tables(1, 1)}}, deps{tokenFile: token, retry: fastRetry, tempDir: tmp}))
	if out, err := execute(cmd, "-c", writeFile(t, "name: p\nruns:\n  - a: {}\n")); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	noViolations(t, srv)
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") != "Bearer sa-token" || r.Header.Get("X-API-Key") != "" {
			t.Errorf("%s: credentials %q / %q", r.Path, r.Header.Get("Authorization"), r.Header.Get("X-API-Key"))
		}
	}
}

// cancelSource cancels the run while discovering, as SIGTERM does.
type cancelSource struct {
	fakeSource
	cancel func()
}

func (c *cancelSource) Discover(ctx context.Context, _ json.RawMessage, emit func([]model.Item) error) error {
	if err := emit(tables(1, 1)[0]); err != nil {
		return err
	}
	c.cancel()
	return ctx.Err()
}

func TestRunnerCancelled(t *testing.T) {
	srv := marmottest.New(marmottest.Options{})
	defer srv.Close()
	c, err := sink.NewClient(sink.Options{Host: srv.URL, TokenFile: filepath.Join(t.TempDir(), "none"), Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	later := &fakeSource{batches: tables(1, 1)}
	r := &Runner{Registry: Registry{"a": &cancelSource{cancel: cancel}, "b": later}, Sink: c, TempDir: t.TempDir()}
	err = r.Run(ctx, &Pipeline{Name: "p", Runs: []SourceRun{{Source: "a", Config: map[string]any{}}, {Source: "b", Config: map[string]any{}}}})
	if err == nil || !strings.Contains(err.Error(), "2 of 2 sources failed") || !strings.Contains(err.Error(), `source "b" (runs[1]): not run: context canceled`) {
		t.Fatalf("err = %v", err)
	}
	noViolations(t, srv)
	if runs := srv.Runs(); len(runs) != 1 || runs[0].Status != "cancelled" || runs[0].Batches != 0 {
		t.Errorf("runs = %+v, want one cancelled run without a batch", runs)
	}
	if _, d := later.calls(); d != 0 {
		t.Error("a source ran after the cancellation")
	}
}
