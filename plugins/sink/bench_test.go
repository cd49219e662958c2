package sink

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
)

// discardServer answers like Marmot without reading what it gets.
func discardServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest) // the client sees the failure
			return
		}
		w.Header().Set("Content-Type", "application/json")
		answer := `{"status":"completed"}`
		switch r.URL.Path {
		case PathStartRun:
			answer = `{"run_id":"r"}`
		case PathBatch:
			answer = `{"assets":[],"lineage":[],"documentation":[]}`
		}
		_, _ = io.WriteString(w, answer) // a client gone away fails on its own
	}))
}

// benchAssets are n tables shaped like the postgresql source's, columns
// included.
func benchAssets(n int) []model.Asset {
	assets := make([]model.Asset, n)
	for i := range assets {
		assets[i] = model.Asset{
			MRN: fmt.Sprintf("mrn://table/postgresql/table_%d", i), Name: fmt.Sprintf("table_%d", i), Type: "Table", Providers: []string{"PostgreSQL"},
			Description: ptr(fmt.Sprintf("PostgreSQL table public.table_%d in database shop", i)),
			Metadata:    map[string]any{"database": "shop", "schema": "public", "owner": "app", "object_type": "table", "port": 5432, "host": "db", "size": 8192},
			Schema:      map[string]string{"columns": `[{"column_name":"id","data_type":"bigint","is_nullable":false,"is_primary_key":true},{"column_name":"name","data_type":"text","is_nullable":true,"is_primary_key":false}]`},
			Tags:        []string{"postgres", "db-shop"},
			Sources:     []model.AssetSource{{Name: "PostgreSQL", Priority: 1}},
		}
	}
	return assets
}

// BenchmarkSink measures assets per second through the sink: encoding
// 40,000 assets and their CONTAINS edges into the batch file, sealing it
// and sending it to a server that discards it. Allocations are per asset.
func BenchmarkSink(b *testing.B) {
	const n = 40_000
	assets := benchAssets(n)
	edges := make([]model.Lineage, n)
	for i := range edges {
		edges[i] = model.Lineage{Source: "mrn://database/postgresql/shop", Target: assets[i].MRN, Type: "CONTAINS"}
	}
	srv := discardServer()
	defer srv.Close()
	c, err := NewClient(Options{Host: srv.URL, APIKey: "k"})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var size int64
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		batch, err := NewBatch(dir, BatchHeader{PipelineName: "p", SourceName: "postgresql", RunID: "r", Config: map[string]any{}})
		if err != nil {
			b.Fatal(err)
		}
		for i := range assets {
			if err := batch.AddAsset(&assets[i]); err != nil {
				b.Fatal(err)
			}
			if err := batch.AddLineage(&edges[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Seal(nil); err != nil {
			b.Fatal(err)
		}
		if _, err := c.SendBatch(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
		size = batch.Size()
		batch.Close()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(b.N * n)
	b.ReportMetric(total/b.Elapsed().Seconds(), "assets/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/asset")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B-alloc/asset")
	b.ReportMetric(float64(size)/n, "body-B/asset")
}
