package sink

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
)

// Assets that Marmot would store under one MRN (bare names: "Orders" and
// "orders", public.orders and sales.orders) are sent once, as the last one
// discovered; the rest of the body is untouched, whichever position the
// dropped ones had (first, middle, several per MRN).
func TestBatchSendsTheLastAssetOfAnMRN(t *testing.T) {
	table := func(name, schema string) model.Asset {
		return model.Asset{Name: name, Type: "Table", Providers: []string{"PostgreSQL"},
			Metadata: map[string]any{"database": "shop", "schema": schema, "table_name": name}}
	}
	in := []model.Asset{
		table("orders", "a"), // first in the body, shadowed
		table("customers", "public"),
		table("Orders", "b"), // same MRN as orders (lower-cased), shadowed
		table("regions", "public"),
		table("regions", "sales"),
		table("orders", "c"), // the owner of orders
		{Name: "shop", Type: "Database", Providers: []string{"PostgreSQL"}, Description: ptr("the shop")},
		{Name: "shop", Type: "Database", Providers: []string{"PostgreSQL"}, Description: ptr("the shop, again")},
	}
	b, err := NewBatch(t.TempDir(), header)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := range in {
		must(t, b.AddAsset(&in[i]))
	}
	must(t, b.AddLineage(&model.Lineage{Source: "mrn://database/postgresql/shop", Target: "mrn://table/postgresql/orders", Type: "CONTAINS"}))
	must(t, b.Seal(nil))

	var body struct {
		Assets []struct {
			Name     string         `json:"name"`
			Metadata map[string]any `json:"metadata"`
		} `json:"assets"`
		Lineage []model.Lineage `json:"lineage"`
		RunID   string          `json:"run_id"`
	}
	if err := json.Unmarshal(readBody(t, b), &body); err != nil {
		t.Fatalf("the body is not JSON: %v", err)
	}
	var got []string
	for _, a := range body.Assets {
		got = append(got, a.Name+"/"+str(a.Metadata["schema"]))
	}
	if want := []string{"customers/public", "regions/sales", "orders/c", "shop/"}; !slices.Equal(got, want) {
		t.Errorf("assets sent = %q, want %q", got, want)
	}
	if b.Assets() != 4 || b.TotalEntities() != 5 || len(body.Lineage) != 1 || body.RunID != "run-1" {
		t.Errorf("Assets() = %d, TotalEntities() = %d, lineage %v, run_id %q", b.Assets(), b.TotalEntities(), body.Lineage, body.RunID)
	}
	want := []Collision{
		{MRN: "mrn://database/postgresql/shop", Kept: "the shop, again", Dropped: []string{"the shop"}},
		{MRN: "mrn://table/postgresql/orders", Kept: "shop.c.orders", Dropped: []string{"shop.a.orders", "shop.b.Orders"}},
		{MRN: "mrn://table/postgresql/regions", Kept: "shop.sales.regions", Dropped: []string{"shop.public.regions"}},
	}
	if got := b.Collisions(); !slices.EqualFunc(got, want, func(a, b Collision) bool {
		return a.MRN == b.MRN && a.Kept == b.Kept && slices.Equal(a.Dropped, b.Dropped)
	}) {
		t.Errorf("Collisions() = %+v\nwant           %+v", got, want)
	}
}

// Without shared MRNs the body is left as written.
func TestBatchWithoutCollisions(t *testing.T) {
	b, err := NewBatch(t.TempDir(), header)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	name := b.body.Name()
	for _, n := range []string{"a", "b"} {
		must(t, b.AddAsset(&model.Asset{Name: n, Type: "Table", Providers: []string{"PostgreSQL"}}))
	}
	must(t, b.Seal(nil))
	if b.body.Name() != name || b.Collisions() != nil || b.Assets() != 2 {
		t.Errorf("body %s (was %s), collisions %v, %d assets", b.body.Name(), name, b.Collisions(), b.Assets())
	}
}

func str(v any) string { s, _ := v.(string); return s }
