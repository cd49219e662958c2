package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink"
)

// BenchmarkIngest measures a whole source run of 40,000 assets, streamed
// by a Go source in batches of 500: tags, filter (with the kept-MRN
// set), batch file, run start/batch/complete against a server that
// discards the body. It reports assets per second, allocations per asset
// and the peak live heap seen during discovery: the source generates its
// assets batch by batch, so the peak shows what the runner and sink hold
// (one batch of items, the kept-MRN set of the filter, buffers), not a
// catalogue.
func BenchmarkIngest(b *testing.B) {
	const n = 40_000
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest) // the client sees the failure
			return
		}
		answer := `{"status":"completed"}`
		switch r.URL.Path {
		case sink.PathStartRun:
			answer = `{"run_id":"r"}`
		case sink.PathBatch:
			answer = `{"assets":[],"lineage":[],"documentation":[]}`
		}
		_, _ = io.WriteString(w, answer) // a client gone away fails on its own
	}))
	defer srv.Close()
	c, err := sink.NewClient(sink.Options{Host: srv.URL, APIKey: "k"})
	if err != nil {
		b.Fatal(err)
	}
	src := &genSource{n: n, size: 500}
	p := &Pipeline{Name: "p", Runs: []SourceRun{{Source: "postgresql", Config: map[string]any{
		"host": "db", "password": "pw", "tags": []any{"postgres", "db-${database}"},
		"filter": map[string]any{"exclude": []any{"^tmp_"}},
	}}}}
	r := &Runner{Registry: Registry{"postgresql": src}, Sink: c, TempDir: b.TempDir()}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		if err := r.Run(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(b.N * n)
	b.ReportMetric(total/b.Elapsed().Seconds(), "assets/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/asset")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B-alloc/asset")
	b.ReportMetric(float64(src.peak)/(1<<20), "peak-heap-MiB")
}

// genSource makes its assets as it emits them and samples the live heap
// after each batch.
type genSource struct {
	fakeSource
	n, size int
	peak    uint64
}

func (g *genSource) Discover(_ context.Context, _ json.RawMessage, emit func([]model.Item) error) error {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for done := 0; done < g.n; done += g.size {
		batch := tables(min(g.size, g.n-done), g.size)[0]
		for i := range batch {
			batch[i].Asset.Name = fmt.Sprintf("table_%d", done+i) // distinct MRNs for the kept set
		}
		if err := emit(batch); err != nil {
			return err
		}
		metrics.Read(sample)
		g.peak = max(g.peak, sample[0].Value.Uint64())
	}
	return nil
}
