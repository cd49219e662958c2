package postgresql

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/test/postgres"
)

// The benchmark database of the issue: 2,000 tables of 20 columns
// (postgres.Server.SeedWide, which a wasm-versus-native comparison can
// share).
const benchTables, benchColumns = 2000, 20

var (
	benchOnce sync.Once
	bench     *postgres.Server
	benchErr  error
)

func benchServer(b *testing.B) *postgres.Server {
	b.Helper()
	benchOnce.Do(func() {
		bench, benchErr = postgres.New(postgres.Options{})
		if benchErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		benchErr = bench.SeedWide(ctx, "bench", benchTables, benchColumns)
		b.Logf("seeded %d tables x %d columns in %v", benchTables, benchColumns, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatalf("PostgreSQL for the benchmark: %v", benchErr)
	}
	return bench
}

// BenchmarkDiscover measures a native discovery of the seeded server
// (wall time, allocations; items and assets per second reported).
func BenchmarkDiscover(b *testing.B) {
	s := benchServer(b)
	for _, c := range []struct {
		name     string
		settings map[string]any
	}{
		{"defaults", nil},
		{"no-columns", map[string]any{"include_columns": false}},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := configFor(b, s, s.Superuser, s.Password, c.settings)
			var items, assets int
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				items, assets = 0, 0
				err := Discover(context.Background(), cfg, nil, func(batch []model.Item) error {
					items += len(batch)
					for _, it := range batch {
						if it.Asset != nil {
							assets++
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if assets != benchTables+2 {
				b.Fatalf("%d assets, want %d", assets, benchTables+2)
			}
			perOp := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(items), "items/op")
			b.ReportMetric(float64(assets)/perOp, "assets/s")
		})
	}
}
