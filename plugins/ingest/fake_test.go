package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/weir-dev/weir/plugins/model"
)

// fakeSource is a source.Source in Go, emitting fixed batches of items.
type fakeSource struct {
	schema      map[string]any
	describeErr error
	validateErr error
	discoverErr error // returned after the batches are emitted
	swallow     bool  // ignore emit's errors, as a careless source might
	batches     [][]model.Item

	mu         sync.Mutex
	validated  []json.RawMessage
	discovered []json.RawMessage
}

func (f *fakeSource) Describe(context.Context) (model.Description, error) {
	return model.Description{ID: "fake", Version: "1.0.0", ABI: 1, ConfigSchema: f.schema}, f.describeErr
}

func (f *fakeSource) Validate(_ context.Context, config json.RawMessage) error {
	f.mu.Lock()
	f.validated = append(f.validated, config)
	f.mu.Unlock()
	return f.validateErr
}

func (f *fakeSource) Discover(_ context.Context, config json.RawMessage, emit func([]model.Item) error) error {
	f.mu.Lock()
	f.discovered = append(f.discovered, config)
	f.mu.Unlock()
	for _, b := range f.batches {
		if err := emit(b); err != nil && !f.swallow {
			return err
		}
	}
	return f.discoverErr
}

func (f *fakeSource) calls() (validated, discovered int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.validated), len(f.discovered)
}

// pgSchema marks password secret, as the postgresql source does.
var pgSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"host":     map[string]any{"type": "string", "x-weir-endpoint": true},
		"password": map[string]any{"type": "string", "x-weir-secret": true},
	},
}

// shopFixture is what upstream's postgresql source emitted for the
// contract's test database (§11): 9 assets with 8 distinct MRNs, 6
// CONTAINS edges and 2 FOREIGN_KEY edges. Lineage comes first and items
// are split into batches of 4, as a streaming source may emit them.
func shopFixture() [][]model.Item {
	pg := []string{"PostgreSQL"}
	asset := func(typ, name, db string, schema ...string) model.Item {
		md := map[string]any{"database": db, "port": 5432, "host": "db"}
		if len(schema) > 0 {
			md["schema"], md["table_name"] = schema[0], name
		}
		return model.Item{Asset: &model.Asset{
			MRN: model.MRN(typ, "PostgreSQL", name), Name: name, Type: typ, Providers: pg,
			Metadata: md,
			Sources:  []model.AssetSource{{Name: "PostgreSQL", Priority: 1}},
		}}
	}
	edge := func(typ, src, dst string) model.Item {
		return model.Item{Lineage: &model.Lineage{Source: src, Target: dst, Type: typ}}
	}
	shop := "mrn://database/postgresql/shop"
	items := []model.Item{
		edge("CONTAINS", shop, "mrn://table/postgresql/customers"),
		edge("CONTAINS", shop, "mrn://table/postgresql/orders"),
		edge("CONTAINS", shop, "mrn://view/postgresql/customer_orders"),
		edge("FOREIGN_KEY", "mrn://table/postgresql/orders", "mrn://table/postgresql/customers"),
		asset("Database", "postgres", "postgres"),
		asset("Database", "marmot", "marmot"),
		asset("Database", "shop", "shop"),
		asset("Table", "customers", "shop"),
		asset("Table", "orders", "shop", "public"),
		asset("View", "customer_orders", "shop"),
		asset("Table", "regions", "shop"),
		asset("Table", "orders", "shop", "sales"),
		asset("View", "region_totals", "shop"),
		edge("CONTAINS", shop, "mrn://table/postgresql/regions"),
		edge("CONTAINS", shop, "mrn://table/postgresql/orders"),
		edge("CONTAINS", shop, "mrn://view/postgresql/region_totals"),
		edge("FOREIGN_KEY", "mrn://table/postgresql/orders", "mrn://table/postgresql/regions"),
		{Documentation: &model.Documentation{MRN: "mrn://table/postgresql/orders", Content: "# Orders", Source: "README"}},
		{Documentation: &model.Documentation{MRN: "mrn://table/postgresql/customers", Content: "# Customers", Source: "README"}},
		{Statistic: &model.Statistic{AssetMRN: "mrn://table/postgresql/orders", MetricName: "asset.row_count", Value: 3}},
	}
	var batches [][]model.Item
	for len(items) > 0 {
		n := min(4, len(items))
		batches = append(batches, items[:n])
		items = items[n:]
	}
	return batches
}

// tables returns n assets in batches of size.
func tables(n, size int) [][]model.Item {
	var batches [][]model.Item
	var b []model.Item
	for i := range n {
		b = append(b, model.Item{Asset: &model.Asset{
			Name: fmt.Sprintf("table_%d", i), Type: "Table", Providers: []string{"PostgreSQL"},
			Description: ptr(fmt.Sprintf("PostgreSQL table public.table_%d in database shop", i)),
			Metadata:    map[string]any{"database": "shop", "schema": "public", "owner": "app", "object_type": "table", "port": 5432},
			Schema:      map[string]string{"columns": `[{"column_name":"id","data_type":"bigint","is_nullable":false,"is_primary_key":true},{"column_name":"name","data_type":"text","is_nullable":true,"is_primary_key":false}]`},
			Sources:     []model.AssetSource{{Name: "PostgreSQL", Priority: 1}},
		}})
		if len(b) == size {
			batches = append(batches, b)
			b = nil
		}
	}
	if len(b) > 0 {
		batches = append(batches, b)
	}
	return batches
}

func ptr[T any](v T) *T { return &v }
