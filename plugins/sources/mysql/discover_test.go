package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

func TestDiscoverShop(t *testing.T) {
	s := server(t)
	var dials atomic.Int32
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	r := discover(t, configFor(t, s, "shop", map[string]any{"tags": []string{"mysql", "db-${database}", "${nope}"}}), dial)
	if dials.Load() == 0 {
		t.Error("the dial function was not used")
	}
	var names []string
	for _, a := range r.Assets {
		names = append(names, a.Type+" "+a.Name+" "+a.MRN)
	}
	want := []string{
		"Database shop mrn://database/mysql/shop",
		"Table customers mrn://table/mysql/customers",
		"Table employees mrn://table/mysql/employees",
		// The server's ORDER BY (its collation sorts orders first).
		"Table orders mrn://table/mysql/orders",
		"Table order_items mrn://table/mysql/order_items",
		"View order_totals mrn://view/mysql/order_totals",
		"Table products mrn://table/mysql/products",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("assets:\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	wantEdges := []string{
		"CONTAINS mrn://database/mysql/shop -> mrn://table/mysql/customers",
		"CONTAINS mrn://database/mysql/shop -> mrn://table/mysql/employees",
		"CONTAINS mrn://database/mysql/shop -> mrn://table/mysql/orders",
		"CONTAINS mrn://database/mysql/shop -> mrn://table/mysql/order_items",
		"CONTAINS mrn://database/mysql/shop -> mrn://view/mysql/order_totals",
		"CONTAINS mrn://database/mysql/shop -> mrn://table/mysql/products",
		// employees → employees is a self-reference: no edge; orders →
		// customers has two keys: one edge.
		"FOREIGN_KEY mrn://table/mysql/orders -> mrn://table/mysql/customers",
		"FOREIGN_KEY mrn://table/mysql/order_items -> mrn://table/mysql/orders",
		"FOREIGN_KEY mrn://table/mysql/order_items -> mrn://table/mysql/products",
	}
	if got := r.edges(); !reflect.DeepEqual(got, wantEdges) {
		t.Errorf("lineage:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantEdges, "\n"))
	}

	db := r.asset(t, "mrn://database/mysql/shop")
	if db.Description != nil || !reflect.DeepEqual(db.Metadata, map[string]any{"host": s.Host, "port": s.Port, "database": "shop"}) {
		t.Errorf("database asset: description %v, metadata %v", db.Description, db.Metadata)
	}
	if !reflect.DeepEqual(db.Tags, []string{"mysql", "db-shop"}) || db.Providers[0] != "MySQL" || db.Sources[0].Name != "MySQL" {
		t.Errorf("database asset: tags %v, providers %v, sources %+v", db.Tags, db.Providers, db.Sources)
	}

	c := r.asset(t, "mrn://table/mysql/customers")
	if *c.Description != "MySQL table shop.customers in database shop" {
		t.Errorf("description %q", *c.Description)
	}
	md := c.Metadata
	for k, v := range map[string]any{"host": s.Host, "port": s.Port, "database": "shop", "schema": "shop",
		"table_name": "customers", "object_type": "base table", "engine": "InnoDB", "comment": "people who buy"} {
		if md[k] != v {
			t.Errorf("customers metadata %s = %#v, want %#v", k, md[k], v)
		}
	}
	for _, k := range []string{"created", "row_count", "data_length", "index_length", "collation"} {
		if _, ok := md[k]; !ok {
			t.Errorf("customers metadata lacks %s: %v", k, md)
		}
	}
	if rc, _ := md["row_count"].(int64); rc != 3 {
		t.Errorf("customers row_count = %v, want 3 (analyzed)", md["row_count"])
	}
	if !reflect.DeepEqual(c.Sources[0].Properties, md) || c.Sources[0].Priority != 1 {
		t.Errorf("source entry %+v", c.Sources[0])
	}
	var cols []map[string]any
	if err := json.Unmarshal([]byte(c.Schema["columns"]), &cols); err != nil {
		t.Fatalf("schema.columns %q: %v", c.Schema["columns"], err)
	}
	if len(cols) != 3 || cols[0]["column_name"] != "id" || cols[0]["is_primary_key"] != true || cols[0]["is_auto_increment"] != true ||
		cols[1]["comment"] != "full name" || cols[1]["is_nullable"] != false || cols[2]["data_type"] != "varchar" ||
		cols[2]["column_type"] != "varchar(200)" || cols[2]["column_default"] != "'none'" {
		t.Errorf("customers columns = %s", c.Schema["columns"])
	}

	v := r.asset(t, "mrn://view/mysql/order_totals")
	if *v.Description != "MySQL view shop.order_totals in database shop" || v.Metadata["object_type"] != "view" || v.Metadata["comment"] != "VIEW" {
		t.Errorf("view: %q %v", *v.Description, v.Metadata)
	}
	for _, k := range []string{"engine", "row_count"} {
		if _, ok := v.Metadata[k]; ok {
			t.Errorf("view metadata has %s", k)
		}
	}
	if _, ok := v.Metadata["created"].(string); !ok {
		t.Errorf("view created = %#v, want a time (discovery time when the server has none)", v.Metadata["created"])
	}
}

func TestDiscoverOptionsOff(t *testing.T) {
	s := server(t)
	r := discover(t, configFor(t, s, "shop", map[string]any{"include_columns": false, "include_row_counts": false, "discover_foreign_keys": false}), nil)
	for _, a := range r.Assets {
		if a.Schema != nil {
			t.Errorf("%s has a schema with include_columns false", a.MRN)
		}
		if _, ok := a.Metadata["row_count"]; ok {
			t.Errorf("%s has row_count with include_row_counts false", a.MRN)
		}
	}
	for _, l := range r.Lineage {
		if l.Type != "CONTAINS" {
			t.Errorf("edge %+v with discover_foreign_keys false", l)
		}
	}
}

// Same-named tables of two databases share an MRN as upstream (bare
// names), and get distinct ones with database_qualified_names. A foreign
// key into another database is not an edge.
func TestDiscoverSameNamesInTwoDatabases(t *testing.T) {
	s := server(t)
	shop := discover(t, configFor(t, s, "shop", nil), nil)
	archive := discover(t, configFor(t, s, "archive", nil), nil)
	if shop.asset(t, "mrn://table/mysql/orders").Metadata["database"] != "shop" ||
		archive.asset(t, "mrn://table/mysql/orders").Metadata["database"] != "archive" {
		t.Error("orders of both databases should have upstream's bare-name MRN")
	}
	wantEdges := []string{
		"CONTAINS mrn://database/mysql/archive -> mrn://table/mysql/customers",
		"CONTAINS mrn://database/mysql/archive -> mrn://table/mysql/legacy_refs",
		"CONTAINS mrn://database/mysql/archive -> mrn://table/mysql/orders",
		"FOREIGN_KEY mrn://table/mysql/orders -> mrn://table/mysql/customers",
	}
	if got := archive.edges(); !reflect.DeepEqual(got, wantEdges) {
		t.Errorf("archive lineage:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantEdges, "\n"))
	}

	qs := discover(t, configFor(t, s, "shop", map[string]any{"database_qualified_names": true}), nil)
	qa := discover(t, configFor(t, s, "archive", map[string]any{"database_qualified_names": true}), nil)
	a, b := qs.asset(t, "mrn://table/mysql/shop.orders"), qa.asset(t, "mrn://table/mysql/archive.orders")
	if a.Name != "shop.orders" || b.Name != "archive.orders" {
		t.Errorf("qualified names %q, %q", a.Name, b.Name)
	}
	if got := qa.edges()[3]; got != "FOREIGN_KEY mrn://table/mysql/archive.orders -> mrn://table/mysql/archive.customers" {
		t.Errorf("qualified FK edge %q", got)
	}
}

func TestDiscoverEmptyDatabase(t *testing.T) {
	s := server(t)
	r := discover(t, configFor(t, s, "empty", nil), nil)
	if len(r.Assets) != 1 || r.Assets[0].Type != "Database" || len(r.Lineage) != 0 {
		t.Errorf("empty database: %+v %+v", r.Assets, r.Lineage)
	}
}

func TestDiscoverFailures(t *testing.T) {
	s := server(t)
	for name, c := range map[string]struct {
		cfg       Config
		retryable bool
	}{
		"wrong password":   {func() Config { c := configFor(t, s, "shop", nil); c.Password = "wrong"; return c }(), false},
		"unknown database": {configFor(t, s, "nope", nil), false},
		"nothing listens":  {func() Config { c := configFor(t, s, "shop", nil); c.Port = closedPort(t); return c }(), true},
	} {
		err := Discover(context.Background(), c.cfg, nil, func([]model.Item) error { t.Error("emitted"); return nil })
		var se *source.Error
		if !errors.As(err, &se) || se.Retryable != c.retryable || !strings.Contains(se.Message, "connecting to the database") {
			t.Errorf("%s: Discover = %#v, want a *source.Error with Retryable %v", name, err, c.retryable)
		}
		if err != nil && strings.Contains(err.Error(), s.Password) {
			t.Errorf("%s: the error shows the password", name)
		}
	}
}

func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p
}
