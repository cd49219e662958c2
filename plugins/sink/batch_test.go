package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

func ptr[T any](v T) *T { return &v }

var header = BatchHeader{PipelineName: "p", SourceName: "postgresql", RunID: "run-1", Config: map[string]any{"host": "db", "password": Masked}}

func readBody(t *testing.T, b *Batch) []byte {
	t.Helper()
	rc, err := b.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != b.Size() {
		t.Errorf("Size() = %d, body has %d bytes", b.Size(), len(data))
	}
	return data
}

// TestBatchBody checks the streamed body byte for byte against what
// json.Encoder makes of the CLI's request struct (contract §4.1).
func TestBatchBody(t *testing.T) {
	synced := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	assets := []model.Asset{
		{ // everything set
			MRN: "mrn://table/postgresql/orders", Name: "orders", Type: "Table", Providers: []string{"PostgreSQL"},
			Description:   ptr("PostgreSQL table public.orders <in> db & more"),
			Metadata:      map[string]any{"port": 5432, "schema": "public"},
			Schema:        map[string]string{"columns": `[{"column_name":"id"}]`},
			Tags:          []string{"postgres"},
			Sources:       []model.AssetSource{{Name: "PostgreSQL", LastSyncAt: synced, Properties: map[string]any{"a": 1}, Priority: 1}},
			ExternalLinks: []model.ExternalLink{{Name: "Runbook", URL: "https://x", Icon: "book"}},
		},
		{Name: "shop", Type: "Database", Providers: []string{"PostgreSQL"}, Tags: []string{}}, // nothing optional
	}
	b, err := NewBatch(t.TempDir(), header)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := range assets {
		if err := b.AddAsset(&assets[i]); err != nil {
			t.Fatal(err)
		}
	}
	must(t, b.AddLineage(&model.Lineage{Source: "mrn://database/postgresql/shop", Target: "mrn://table/postgresql/orders", Type: "CONTAINS"}))
	must(t, b.AddLineage(&model.Lineage{Source: "a", Target: "b", Type: "X", JobMRN: "mrn://job/x/y"}))
	must(t, b.AddDocumentation(&model.Documentation{MRN: "mrn://table/postgresql/orders", Content: "# Orders\nline", Source: "README"}))
	must(t, b.Seal(nil))

	type link struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	}
	type createAsset struct {
		Name          string              `json:"name"`
		Type          string              `json:"type"`
		Providers     []string            `json:"providers"`
		Description   *string             `json:"description"`
		Metadata      map[string]any      `json:"metadata"`
		Schema        map[string]any      `json:"schema"`
		Tags          []string            `json:"tags"`
		Sources       []model.AssetSource `json:"sources"`
		ExternalLinks []link              `json:"external_links"`
	}
	type doc struct {
		AssetMRN string `json:"asset_mrn"`
		Content  string `json:"content"`
		Type     string `json:"type"`
	}
	want := struct {
		Assets        []createAsset    `json:"assets"`
		Lineage       []model.Lineage  `json:"lineage"`
		Documentation []doc            `json:"documentation"`
		Statistics    []map[string]any `json:"statistics"`
		RunHistory    []map[string]any `json:"run_history"`
		Config        map[string]any   `json:"config"`
		PipelineName  string           `json:"pipeline_name"`
		SourceName    string           `json:"source_name"`
		RunID         string           `json:"run_id"`
	}{
		Assets: []createAsset{
			{Name: "orders", Type: "Table", Providers: []string{"PostgreSQL"}, Description: assets[0].Description,
				Metadata: assets[0].Metadata, Schema: map[string]any{"columns": `[{"column_name":"id"}]`}, Tags: []string{"postgres"},
				Sources: assets[0].Sources, ExternalLinks: []link{{"Runbook", "https://x"}}},
			{Name: "shop", Type: "Database", Providers: []string{"PostgreSQL"}, Schema: map[string]any{},
				Sources: []model.AssetSource{}, ExternalLinks: []link{}},
		},
		Lineage:       []model.Lineage{{Source: "mrn://database/postgresql/shop", Target: "mrn://table/postgresql/orders", Type: "CONTAINS"}, {Source: "a", Target: "b", Type: "X", JobMRN: "mrn://job/x/y"}},
		Documentation: []doc{{"mrn://table/postgresql/orders", "# Orders\nline", "README"}},
		RunHistory:    []map[string]any{},
		Config:        header.Config, PipelineName: "p", SourceName: "postgresql", RunID: "run-1",
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(want); err != nil {
		t.Fatal(err)
	}
	if got := readBody(t, b); string(got) != buf.String() {
		t.Errorf("body\n%s\nwant\n%s", got, buf.String())
	}
	if b.Assets() != 2 || b.Lineage() != 2 || b.Documentation() != 1 || b.TotalEntities() != 5 {
		t.Errorf("counts = %d/%d/%d", b.Assets(), b.Lineage(), b.Documentation())
	}
	if assets[0].ExternalLinks[0].Icon != "book" {
		t.Error("the source's asset was modified")
	}
}

func TestBatchFillsLastSyncAt(t *testing.T) {
	b, err := NewBatch(t.TempDir(), header)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a := model.Asset{Name: "x", Type: "Table", Providers: []string{"P"}, Sources: []model.AssetSource{{Name: "P"}}}
	must(t, b.AddAsset(&a))
	must(t, b.Seal(nil))
	if !a.Sources[0].LastSyncAt.IsZero() {
		t.Error("the source's slice was written into")
	}
	var body struct {
		Assets []struct {
			Sources []model.AssetSource `json:"sources"`
		} `json:"assets"`
	}
	if err := json.Unmarshal(readBody(t, b), &body); err != nil {
		t.Fatal(err)
	}
	if got := body.Assets[0].Sources[0].LastSyncAt; time.Since(got) > time.Hour {
		t.Errorf("last_sync_at = %v, want the batch's time", got)
	}
}

// TestBatchSealFilters checks that only edges between kept MRNs and
// documents of kept MRNs reach the body, whenever they were added.
func TestBatchSealFilters(t *testing.T) {
	b, err := NewBatch(t.TempDir(), header)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	kept := map[string]bool{"k1": true, "k2": true}
	must(t, b.AddLineage(&model.Lineage{Source: "k1", Target: "k2", Type: "A"})) // before any asset
	must(t, b.AddAsset(&model.Asset{Name: "k1", Type: "T", Providers: []string{"P"}}))
	must(t, b.AddLineage(&model.Lineage{Source: "k1", Target: "gone", Type: "B"}))
	must(t, b.AddLineage(&model.Lineage{Source: "gone", Target: "k2", Type: "C"}))
	must(t, b.AddDocumentation(&model.Documentation{MRN: "gone", Content: strings.Repeat("x", 200<<10), Source: "README"})) // longer than the read buffer
	must(t, b.AddDocumentation(&model.Documentation{MRN: "k2", Content: strings.Repeat("y", 100<<10), Source: "README"}))
	must(t, b.AddLineage(&model.Lineage{Source: "k2", Target: "k1", Type: "D"}))
	must(t, b.Seal(func(m string) bool { return kept[m] }))
	var body struct {
		Lineage       []model.Lineage `json:"lineage"`
		Documentation []struct {
			AssetMRN string `json:"asset_mrn"`
			Content  string `json:"content"`
		} `json:"documentation"`
	}
	if err := json.Unmarshal(readBody(t, b), &body); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, l := range body.Lineage {
		types = append(types, l.Type)
	}
	if strings.Join(types, ",") != "A,D" || b.Lineage() != 2 {
		t.Errorf("lineage kept = %v (count %d), want A,D", types, b.Lineage())
	}
	if len(body.Documentation) != 1 || body.Documentation[0].AssetMRN != "k2" || len(body.Documentation[0].Content) != 100<<10 || b.Documentation() != 1 {
		t.Errorf("documentation kept = %d entries, want only k2's, intact", len(body.Documentation))
	}
}

func TestBatchRefusals(t *testing.T) {
	b, err := NewBatch(t.TempDir(), header)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, a := range []model.Asset{
		{Name: "no-providers", Type: "Table"},
		{Name: "empty-provider", Type: "Table", Providers: []string{""}},
	} {
		if err := b.AddAsset(&a); err == nil || !strings.Contains(err.Error(), "no provider") {
			t.Errorf("AddAsset(%s) = %v, want a no-provider error", a.Name, err)
		}
	}
	if _, err := b.Open(); err == nil {
		t.Error("Open before Seal succeeded")
	}
	must(t, b.AddLineage(&model.Lineage{Source: "a", Target: "b"}))
	must(t, b.Seal(nil))
	if _, err := b.Open(); !errors.Is(err, ErrEmptyBatch) {
		t.Errorf("Open of a batch without assets = %v, want ErrEmptyBatch", err)
	}
	if err := b.AddAsset(&model.Asset{Name: "late", Type: "T", Providers: []string{"P"}}); err == nil {
		t.Error("AddAsset after Seal succeeded")
	}
}

func TestBatchCloseRemovesFiles(t *testing.T) {
	dir := t.TempDir()
	b, err := NewBatch(dir, header)
	if err != nil {
		t.Fatal(err)
	}
	must(t, b.AddAsset(&model.Asset{Name: "a", Type: "T", Providers: []string{"P"}}))
	must(t, b.AddLineage(&model.Lineage{Source: "a", Target: "b"}))
	must(t, b.Seal(nil))
	must(t, b.Close())
	must(t, b.Close())
	if entries, _ := readDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func readDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, err
}
