package sink

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink/marmottest"
)

// wideTables are n PostgreSQL tables of cols columns each and their
// CONTAINS edges, shaped as the postgresql source emits them: metadata
// twice (also as the source's properties) and the columns as one JSON
// string, about 2.9 KiB of body per table at 20 columns.
func wideTables(n, cols int) ([]model.Asset, []model.Lineage) {
	var col strings.Builder
	col.WriteByte('[')
	for c := range cols {
		if c > 0 {
			col.WriteByte(',')
		}
		fmt.Fprintf(&col, `{"column_default":"nextval('seq_%d'::regclass)","column_name":"column_%d","data_type":"character varying(255)","is_nullable":true,"is_primary_key":%t}`, c, c, c == 0)
	}
	col.WriteByte(']')
	columns := col.String()
	assets := make([]model.Asset, 0, n+1)
	edges := make([]model.Lineage, 0, n)
	db := model.MRN("Database", "PostgreSQL", "bench")
	assets = append(assets, model.Asset{MRN: db, Name: "bench", Type: "Database", Providers: []string{"PostgreSQL"},
		Metadata: map[string]any{"host": "127.0.0.1", "port": 5432, "database": "bench"},
		Sources:  []model.AssetSource{{Name: "PostgreSQL", Priority: 1}}})
	for i := range n {
		name := fmt.Sprintf("table_%d", i)
		md := map[string]any{"host": "127.0.0.1", "port": 5432, "database": "bench", "schema": "public", "table_name": name,
			"owner": "postgres", "created": "2026-12-02 13:52:00", "object_type": "table", "size": 8192}
		mrn := model.MRN("Table", "PostgreSQL", name)
		assets = append(assets, model.Asset{
			MRN: mrn, Name: name, Type: "Table", Providers: []string{"PostgreSQL"},
			Description: ptr(fmt.Sprintf("PostgreSQL table public.%s in database bench", name)),
			Metadata:    md,
			Schema:      map[string]string{"columns": columns},
			Sources:     []model.AssetSource{{Name: "PostgreSQL", Priority: 1, Properties: md}},
		})
		edges = append(edges, model.Lineage{Source: db, Target: mrn, Type: "CONTAINS"})
	}
	return assets, edges
}

// BenchmarkSinkMarmot measures assets per second of a whole source run
// on the sink's side of `weir ingest`: 2,000 PostgreSQL tables of 20
// columns (bench-plugins' database) from memory into the batch file,
// then runs/start, the batch and runs/complete into the fake Marmot
// (marmottest: it checks the contract and keeps a catalogue) over
// loopback HTTP. Every iteration is a first ingest into a new fake, so
// every asset is created, as in bench-plugins.
func BenchmarkSinkMarmot(b *testing.B) {
	assets, edges := wideTables(2000, 20)
	dir := b.TempDir()
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		fake := marmottest.New(marmottest.Options{APIKey: "k"})
		c, err := NewClient(Options{Host: fake.URL, APIKey: "k"})
		if err != nil {
			b.Fatal(err)
		}
		runID, err := c.StartRun(ctx, StartRun{PipelineName: "p", SourceName: "postgresql", Config: map[string]any{}})
		if err != nil {
			b.Fatal(err)
		}
		batch, err := NewBatch(dir, BatchHeader{PipelineName: "p", SourceName: "postgresql", RunID: runID, Config: map[string]any{}})
		if err != nil {
			b.Fatal(err)
		}
		for i := range assets {
			if err := batch.AddAsset(&assets[i]); err != nil {
				b.Fatal(err)
			}
		}
		for i := range edges {
			if err := batch.AddLineage(&edges[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Seal(nil); err != nil {
			b.Fatal(err)
		}
		res, err := c.SendBatch(ctx, batch)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.CompleteRun(ctx, CompleteRun{RunID: runID, Status: StatusCompleted, Summary: res.Summary(batch, 0)}); err != nil {
			b.Fatal(err)
		}
		_ = batch.Close()
		if v := fake.Violations(); len(v) > 0 {
			b.Fatalf("contract violations: %v", v)
		}
		fake.Close()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*len(assets))/b.Elapsed().Seconds(), "assets/s")
}
