package postgresql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
	"github.com/weir-dev/weir/test/postgres"
)

// wantRelation is a relation of the shop fixture as the source must emit
// it (with the default config).
type wantRelation struct {
	schema, name, kind string
	comment            string
	rows               int64
	columns            string // schema.columns, exactly
}

var shopRelations = []wantRelation{
	{"public", "customer_orders", "view", "Orders with their customer", -1,
		`[{"column_name":"name","data_type":"text","is_nullable":true,"is_primary_key":false},` +
			`{"column_name":"total","data_type":"numeric(10,2)","is_nullable":true,"is_primary_key":false}]`},
	{"public", "customers", "table", "People who buy things", 3,
		`[{"column_default":"nextval('customers_id_seq'::regclass)","column_name":"id","data_type":"integer","is_nullable":false,"is_primary_key":true},` +
			`{"column_name":"name","data_type":"text","is_nullable":false,"is_primary_key":false},` +
			`{"column_name":"email","comment":"Contact \u003caddress\u003e \u0026 more","data_type":"character varying(255)","is_nullable":true,"is_primary_key":false},` +
			`{"column_default":"now()","column_name":"created_at","data_type":"timestamp with time zone","is_nullable":false,"is_primary_key":false}]`},
	{"public", "orders", "table", "", 2,
		`[{"column_default":"nextval('orders_id_seq'::regclass)","column_name":"id","data_type":"bigint","is_nullable":false,"is_primary_key":true},` +
			`{"column_name":"customer_id","data_type":"integer","is_nullable":false,"is_primary_key":false},` +
			`{"column_name":"region_id","data_type":"integer","is_nullable":true,"is_primary_key":false},` +
			`{"column_default":"0","column_name":"total","data_type":"numeric(10,2)","is_nullable":false,"is_primary_key":false},` +
			`{"column_default":"'new'::text","column_name":"status","data_type":"text","is_nullable":true,"is_primary_key":false}]`},
	{"sales", "order_items", "table", "", 4,
		`[{"column_name":"order_id","data_type":"integer","is_nullable":false,"is_primary_key":false},` +
			`{"column_name":"line","data_type":"integer","is_nullable":false,"is_primary_key":false},` +
			`{"column_name":"sku","data_type":"text","is_nullable":false,"is_primary_key":false},` +
			`{"column_default":"1","column_name":"quantity","data_type":"integer","is_nullable":false,"is_primary_key":false}]`},
	{"sales", "orders", "table", "", 3,
		`[{"column_name":"id","data_type":"integer","is_nullable":false,"is_primary_key":true},` +
			`{"column_name":"line","data_type":"integer","is_nullable":false,"is_primary_key":true},` +
			`{"column_name":"region_id","data_type":"integer","is_nullable":false,"is_primary_key":false},` +
			`{"column_name":"ship_region_id","data_type":"integer","is_nullable":true,"is_primary_key":false},` +
			`{"column_name":"customer_id","data_type":"integer","is_nullable":true,"is_primary_key":false},` +
			`{"column_name":"amount","data_type":"numeric(12,2)","is_nullable":true,"is_primary_key":false}]`},
	{"sales", "region_totals", "materialized_view", "", 2,
		`[{"column_name":"code","data_type":"character(2)","is_nullable":true,"is_primary_key":false},` +
			`{"column_name":"amount","data_type":"numeric","is_nullable":true,"is_primary_key":false}]`},
	{"sales", "regions", "table", "", 2,
		`[{"column_name":"id","data_type":"integer","is_nullable":false,"is_primary_key":true},` +
			`{"column_name":"code","data_type":"character(2)","is_nullable":false,"is_primary_key":false},` +
			`{"column_name":"name","data_type":"text","is_nullable":true,"is_primary_key":false}]`},
}

// superQuery runs a query as the superuser and scans one row.
func superQuery(t testing.TB, s *postgres.Server, db, sql string, dst ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, sql).Scan(dst...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// wantShop is what the default config must give any user who may connect
// to postgres and shop but not to restricted: the owner and a read-only
// user see the same.
func wantShop(t testing.TB, s *postgres.Server) ([]model.Asset, []model.Lineage) {
	t.Helper()
	var postgresSize, shopSize int64
	superQuery(t, s, "postgres", `SELECT pg_database_size('postgres'), pg_database_size('shop')`, &postgresSize, &shopSize)
	db := func(name, owner, comment string, size *int64) model.Asset {
		md := map[string]any{
			"host": s.Host, "port": s.Port, "database": name, "owner": owner,
			"encoding": "UTF8", "collate": "C", "ctype": "C",
			"is_template": false, "allow_connections": true, "connection_limit": -1,
		}
		if size != nil {
			md["size"] = *size
		}
		if comment != "" {
			md["comment"] = comment
		}
		return wantAsset("Database", name, nil, md, nil)
	}
	assets := []model.Asset{
		db("postgres", "postgres", "default administrative connection database", &postgresSize),
		db("restricted", "postgres", "", nil), // no CONNECT: no size (upstream fails here)
		db("shop", "shop_owner", "The shop", &shopSize),
	}
	var lineage []model.Lineage
	for _, r := range shopRelations {
		var size int64
		superQuery(t, s, "shop", fmt.Sprintf(`SELECT pg_table_size('%s.%s'::regclass)`, r.schema, r.name), &size)
		typ, noun := "Table", "table"
		if r.kind != "table" {
			typ, noun = "View", "view"
		}
		md := map[string]any{
			"host": s.Host, "port": s.Port, "database": "shop", "schema": r.schema, "table_name": r.name,
			"owner": "shop_owner", "object_type": r.kind, "row_count": r.rows, "size": size,
		}
		if r.comment != "" {
			md["comment"] = r.comment
		}
		desc := fmt.Sprintf("PostgreSQL %s %s.%s in database shop", noun, r.schema, r.name)
		a := wantAsset(typ, r.name, &desc, md, map[string]string{"columns": r.columns})
		assets = append(assets, a)
		lineage = append(lineage, model.Lineage{Source: "mrn://database/postgresql/shop", Target: a.MRN, Type: "CONTAINS"})
	}
	for _, e := range [][2]string{{"orders", "customers"}, {"orders", "regions"}, {"order_items", "orders"}} {
		lineage = append(lineage, model.Lineage{
			Source: "mrn://table/postgresql/" + e[0], Target: "mrn://table/postgresql/" + e[1], Type: "FOREIGN_KEY",
		})
	}
	return assets, lineage
}

func wantAsset(typ, name string, desc *string, md map[string]any, schema map[string]string) model.Asset {
	return model.Asset{
		MRN: "mrn://" + strings.ToLower(typ) + "/postgresql/" + strings.ToLower(name), Name: name, Type: typ,
		Providers: []string{"PostgreSQL"}, Description: desc, Metadata: md, Schema: schema,
		Sources: []model.AssetSource{{Name: "PostgreSQL", Properties: md, Priority: 1}},
	}
}

// hashed is the part of an asset Marmot hashes to decide unchanged vs
// updated (contract §4.2: sources by name only), plus the MRN, as JSON.
func hashed(t testing.TB, assets []model.Asset) []string {
	t.Helper()
	out := make([]string, len(assets))
	for i, a := range assets {
		var sources []string
		for _, s := range a.Sources {
			sources = append(sources, s.Name)
		}
		b, err := json.Marshal(map[string]any{
			"mrn": a.MRN, "name": a.Name, "type": a.Type, "providers": a.Providers,
			"description": a.Description, "metadata": a.Metadata, "schema": a.Schema,
			"tags": a.Tags, "sources": sources, "external_links": a.ExternalLinks,
		})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
	}
	return out
}

func lineageStrings(l []model.Lineage) []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.Type + " " + e.Source + " -> " + e.Target
	}
	return out
}

func diffLists(t testing.TB, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	t.Errorf("%s differ:\n--- got (%d)\n%s\n--- want (%d)\n%s", what, len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
}

// checkSources checks what hashed leaves out of the sources.
func checkSources(t testing.TB, assets []model.Asset, start time.Time) {
	t.Helper()
	for _, a := range assets {
		if len(a.Sources) != 1 {
			t.Errorf("%s: %d sources, want 1", a.MRN, len(a.Sources))
			continue
		}
		s := a.Sources[0]
		pm, _ := json.Marshal(s.Properties)
		mm, _ := json.Marshal(a.Metadata)
		if s.Name != "PostgreSQL" || s.Priority != 1 || !bytes.Equal(pm, mm) {
			t.Errorf("%s: source %+v, want PostgreSQL, priority 1, properties = metadata", a.MRN, s)
		}
		if s.LastSyncAt.Before(start.Add(-time.Second)) || s.LastSyncAt.After(time.Now()) {
			t.Errorf("%s: last_sync_at %v is not the discovery time", a.MRN, s.LastSyncAt)
		}
		if a.Tags != nil || a.ExternalLinks != nil {
			t.Errorf("%s: tags %v, external links %v; want none", a.MRN, a.Tags, a.ExternalLinks)
		}
	}
}

func TestFixtureAsOwner(t *testing.T) {
	s := server(t)
	start := time.Now()
	got := discover(t, configFor(t, s, shop.Owner, shop.OwnerPassword, nil), nil)
	wantAssets, wantLineage := wantShop(t, s)
	diffLists(t, "assets", hashed(t, got.Assets), hashed(t, wantAssets))
	diffLists(t, "lineage", lineageStrings(got.Lineage), lineageStrings(wantLineage))
	checkSources(t, got.Assets, start)

	// Statistics (enable_metrics): tables only.
	var stats []string
	for _, st := range got.Stats {
		stats = append(stats, fmt.Sprintf("%s %s", st.AssetMRN, st.MetricName))
	}
	var want []string
	for _, r := range shopRelations {
		if r.kind == "table" {
			for _, m := range []string{"asset.row_count", "asset.column_count", "asset.size_bytes"} {
				want = append(want, "mrn://table/postgresql/"+r.name+" "+m)
			}
		}
	}
	diffLists(t, "statistics", stats, want)
	if got.Stats[1].Value != 4 { // customers has 4 columns
		t.Errorf("column_count of customers = %v, want 4", got.Stats[1].Value)
	}

	// Upstream joins information_schema views on the constraint's name
	// and the table's schema, so it misses the foreign keys that cross
	// schemas (public.orders -> sales.regions, sales.orders ->
	// public.customers); the pairs above include them.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSNFor(shop.Owner, shop.OwnerPassword, "shop"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT DISTINCT kcu.table_schema || '.' || kcu.table_name || ' -> ' || ccu.table_schema || '.' || ccu.table_name
		FROM information_schema.table_constraints tc
		JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
		JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
		WHERE tc.constraint_type = 'FOREIGN KEY' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	diffLists(t, "upstream's foreign keys", pairs, []string{"public.orders -> public.customers", "sales.order_items -> sales.orders", "sales.orders -> sales.regions"})
}

// A read-only user sees exactly what the owner sees, foreign keys
// included (upstream's information_schema query hides them from it).
func TestFixtureAsReadOnlyUser(t *testing.T) {
	s := server(t)
	got := discover(t, configFor(t, s, shop.Reader, shop.ReaderPassword, nil), nil)
	wantAssets, wantLineage := wantShop(t, s)
	diffLists(t, "assets", hashed(t, got.Assets), hashed(t, wantAssets))
	diffLists(t, "lineage", lineageStrings(got.Lineage), lineageStrings(wantLineage))
	fks := 0
	for _, e := range got.Lineage {
		if e.Type == "FOREIGN_KEY" {
			fks++
		}
	}
	if fks != 3 {
		t.Errorf("read-only user got %d FOREIGN_KEY edges, want 3", fks)
	}

	// Why upstream finds none for this user: the information_schema view
	// of referenced columns shows only tables the user owns.
	count := func(user, password string) int {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, s.DSNFor(user, password, "shop"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.table_constraints tc
			JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
			WHERE tc.constraint_type = 'FOREIGN KEY'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if r, o := count(shop.Reader, shop.ReaderPassword), count(shop.Owner, shop.OwnerPassword); r != 0 || o == 0 {
		t.Errorf("information_schema foreign keys: reader %d, owner %d; the fixture no longer shows upstream's problem", r, o)
	}
}

// Upstream's effective defaults, spelled out: every boolean false. As the
// superuser: every database, system schemas included, no columns, no
// metrics, no foreign keys.
func TestUpstreamEffectiveDefaults(t *testing.T) {
	s := server(t)
	got := discover(t, configFor(t, s, s.Superuser, s.Password, map[string]any{
		"include_databases": false, "include_columns": false, "enable_metrics": false,
		"discover_foreign_keys": false, "exclude_system_schemas": false,
	}), nil)
	seen := map[string]int{}
	for _, a := range got.Assets {
		md := a.Metadata
		seen[a.Type+" "+fmt.Sprint(md["database"])+" "+fmt.Sprint(md["schema"])+"."+a.Name]++
		if a.Schema != nil {
			t.Errorf("%s: schema %v, want none without include_columns", a.MRN, a.Schema)
		}
		if _, ok := md["row_count"]; ok {
			t.Errorf("%s: row_count without enable_metrics", a.MRN)
		}
		if md["schema"] == "information_schema" {
			t.Errorf("%s: information_schema is never discovered", a.MRN)
		}
	}
	for _, k := range []string{
		"Database postgres <nil>.postgres", "Database restricted <nil>.restricted", "Database shop <nil>.shop",
		"Table postgres pg_catalog.pg_class", "View shop pg_catalog.pg_tables", "Table shop pg_catalog.pg_class",
		"Table restricted public.orders", "Table shop public.orders", "Table shop sales.orders",
	} {
		if seen[k] != 1 {
			t.Errorf("%q discovered %d times, want once", k, seen[k])
		}
	}
	if len(got.Stats) != 0 {
		t.Errorf("%d statistics without enable_metrics", len(got.Stats))
	}
	for _, e := range got.Lineage {
		if e.Type != "CONTAINS" {
			t.Errorf("unexpected edge %v without discover_foreign_keys", e)
		}
	}
	// One CONTAINS edge per relation: three for the bare name orders.
	n := 0
	for _, e := range got.Lineage {
		if e.Target == "mrn://table/postgresql/orders" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d CONTAINS edges to orders, want 3 (restricted, public and sales)", n)
	}
}

// Two discoveries of an unchanged server hash the same, so Marmot reports
// them unchanged: created is not the discovery time.
func TestStableAcrossRuns(t *testing.T) {
	s := server(t)
	for _, user := range []struct{ name, password string }{{s.Superuser, s.Password}, {shop.Reader, shop.ReaderPassword}} {
		cfg := configFor(t, s, user.name, user.password, nil)
		first := discover(t, cfg, nil)
		time.Sleep(1100 * time.Millisecond) // a discovery-time created would now differ
		second := discover(t, cfg, nil)
		diffLists(t, user.name+": assets of two runs", hashed(t, second.Assets), hashed(t, first.Assets))
		diffLists(t, user.name+": lineage of two runs", lineageStrings(second.Lineage), lineageStrings(first.Lineage))
	}
}

// The superuser may read the database directories: created is the time
// the database was made; without that privilege there is no created.
func TestDatabaseCreated(t *testing.T) {
	s := server(t)
	got := discover(t, configFor(t, s, s.Superuser, s.Password, nil), nil)
	format := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	dbs := 0
	for _, a := range got.Assets {
		created, ok := a.Metadata["created"]
		if a.Type != "Database" {
			if ok {
				t.Errorf("%s: created %v; PostgreSQL records no creation time for relations", a.MRN, created)
			}
			continue
		}
		dbs++
		c, _ := created.(string)
		ts, err := time.Parse(time.DateTime, c)
		if !format.MatchString(c) || err != nil || time.Since(ts) > time.Hour || time.Until(ts) > time.Minute {
			t.Errorf("%s: created %v, want the creation time YYYY-MM-DD HH:MM:SS (UTC)", a.MRN, created)
		}
	}
	if dbs != 3 {
		t.Errorf("%d databases, want 3", dbs)
	}
	// The restricted database, which only the superuser may enter.
	found := false
	for _, a := range got.Assets {
		if a.Metadata["database"] == "restricted" && a.Name == "orders" {
			found = true
		}
	}
	if !found {
		t.Error("the superuser did not discover restricted.public.orders")
	}
	owner := discover(t, configFor(t, s, shop.Owner, shop.OwnerPassword, nil), nil)
	for _, a := range owner.Assets {
		if _, ok := a.Metadata["created"]; ok {
			t.Errorf("%s: created without the privilege to read it", a.MRN)
		}
	}
}

func TestQualifiedNames(t *testing.T) {
	s := server(t)
	for _, c := range []struct {
		option, prefix string
	}{
		{"schema_qualified_names", ""},
		{"database_qualified_names", "shop."},
	} {
		t.Run(c.option, func(t *testing.T) {
			got := discover(t, configFor(t, s, shop.Owner, shop.OwnerPassword, map[string]any{c.option: true}), nil)
			var names []string
			for _, a := range got.Assets[3:] {
				names = append(names, a.Type+" "+a.Name+" "+a.MRN+" "+fmt.Sprint(a.Metadata["table_name"]))
			}
			p := c.prefix
			diffLists(t, "relations", names, []string{
				"View " + p + "public.customer_orders mrn://view/postgresql/" + p + "public.customer_orders customer_orders",
				"Table " + p + "public.customers mrn://table/postgresql/" + p + "public.customers customers",
				"Table " + p + "public.orders mrn://table/postgresql/" + p + "public.orders orders",
				"Table " + p + "sales.order_items mrn://table/postgresql/" + p + "sales.order_items order_items",
				"Table " + p + "sales.orders mrn://table/postgresql/" + p + "sales.orders orders",
				"View " + p + "sales.region_totals mrn://view/postgresql/" + p + "sales.region_totals region_totals",
				"Table " + p + "sales.regions mrn://table/postgresql/" + p + "sales.regions regions",
			})
			// Every foreign key between distinct tables now has its own edge.
			var fks []string
			for _, e := range got.Lineage {
				if e.Type == "FOREIGN_KEY" {
					fks = append(fks, strings.TrimPrefix(e.Source, "mrn://table/postgresql/"+p)+" -> "+strings.TrimPrefix(e.Target, "mrn://table/postgresql/"+p))
				} else if e.Source != "mrn://database/postgresql/shop" || !strings.Contains(e.Target, "/"+p) {
					t.Errorf("edge %v", e)
				}
			}
			diffLists(t, "foreign keys", fks, []string{
				"public.orders -> public.customers",
				"public.orders -> sales.regions",
				"sales.order_items -> sales.orders",
				"sales.orders -> public.customers",
				"sales.orders -> sales.regions",
			})
			if got.Assets[0].Name != "postgres" || got.Assets[0].MRN != "mrn://database/postgresql/postgres" {
				t.Errorf("database names are never qualified: %s %s", got.Assets[0].Name, got.Assets[0].MRN)
			}
		})
	}
}

func TestTags(t *testing.T) {
	s := server(t)
	got := discover(t, configFor(t, s, shop.Owner, shop.OwnerPassword, map[string]any{
		"tags": []string{"postgres", "db-${database}", "${nope}", "", "${schema}.${table_name}"},
	}), nil)
	want := map[string]string{
		"mrn://database/postgresql/shop":   `["postgres","db-shop","."]`,
		"mrn://table/postgresql/customers": `["postgres","db-shop","public.customers"]`,
	}
	for _, a := range got.Assets {
		if w, ok := want[a.MRN]; ok {
			b, _ := json.Marshal(a.Tags)
			if string(b) != w {
				t.Errorf("%s: tags %s, want %s", a.MRN, b, w)
			}
		}
	}
}

// Every connection goes through the given dialer, which gets the
// configured host and port, unresolved.
func TestDialer(t *testing.T) {
	s := server(t)
	var dials atomic.Int32
	var addrs []string
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		addrs = append(addrs, network+" "+addr)
		var d net.Dialer
		return d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	}
	cfg := configFor(t, s, shop.Owner, shop.OwnerPassword, nil)
	cfg.Host = "db.example.invalid"
	got := discover(t, cfg, dial)
	if n := dials.Load(); n != 2 { // postgres (reused for its own relations) and shop
		t.Errorf("%d dials, want 2 (postgres, shop): %v", n, addrs)
	}
	for _, a := range addrs {
		if a != fmt.Sprintf("tcp db.example.invalid:%d", s.Port) {
			t.Errorf("dialed %q, want the configured host and port", a)
		}
	}
	if got.Assets[0].Metadata["host"] != "db.example.invalid" {
		t.Errorf("host metadata %v, want the configured host", got.Assets[0].Metadata["host"])
	}

	// A dialer that refuses: the discovery fails, retryably.
	refuse := func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("dial refused by the sandbox")
	}
	_, err := tryDiscover(cfg, refuse)
	var serr *source.Error
	if !errors.As(err, &serr) || !serr.Retryable || !strings.Contains(err.Error(), "dial refused by the sandbox") {
		t.Errorf("refused dial: %v, want a retryable *source.Error naming the cause", err)
	}

	// A dial that hangs is given up when the time is up.
	hang := func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = Discover(ctx, cfg, hang, func([]model.Item) error { return nil })
	if !errors.As(err, &serr) || !serr.Retryable || !strings.Contains(err.Error(), "deadline exceeded") || time.Since(start) > 5*time.Second {
		t.Errorf("hanging dial: %v after %v, want a retryable time-limit error soon", err, time.Since(start))
	}
}

func TestErrors(t *testing.T) {
	s := server(t)
	_, err := tryDiscover(configFor(t, s, shop.Reader, "wrong", nil), nil)
	var serr *source.Error
	if !errors.As(err, &serr) || serr.Retryable || !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("wrong password: %v, want a non-retryable *source.Error", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error shows the password: %v", err)
	}

	// emit's error stops the discovery and comes back as it is.
	stop := errors.New("sink full")
	calls := 0
	err = Discover(context.Background(), configFor(t, s, shop.Owner, shop.OwnerPassword, nil), nil, func([]model.Item) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("emit error: got %v after %d calls, want it back after 1", err, calls)
	}

	// A cancelled context fails the discovery rather than returning a
	// partial catalogue.
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err = Discover(ctx, configFor(t, s, shop.Owner, shop.OwnerPassword, nil), nil, func(items []model.Item) error {
		n += len(items)
		return nil
	})
	cancel()
	if err != nil || n == 0 {
		t.Fatalf("uncancelled: %v, %d items", err, n)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := Discover(ctx, configFor(t, s, shop.Owner, shop.OwnerPassword, nil), nil, func([]model.Item) error { return nil }); err == nil {
		t.Error("cancelled context: no error")
	}

	// An unusable config is refused before any connection.
	if err := Discover(context.Background(), Config{Host: "x"}, nil, nil); err == nil || !strings.Contains(err.Error(), "user: required") {
		t.Errorf("zero config: %v", err)
	}
}

// A database bigger than one batch and one FETCH: relations whose column
// rows straddle FETCHes come out whole, batches hold at most BatchSize
// items, and every foreign key is found.
func TestManyTables(t *testing.T) {
	s := postgres.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const tables, columns = 450, 7 // 3,150 column rows: two FETCHes
	if err := s.SeedWide(ctx, "wide", tables, columns); err != nil {
		t.Fatal(err)
	}
	got := discover(t, configFor(t, s, s.Superuser, s.Password, nil), nil)
	if len(got.Assets) != 2+tables { // postgres, wide, the tables
		t.Fatalf("%d assets, want %d", len(got.Assets), 2+tables)
	}
	for i, a := range got.Assets[2:] {
		if want := fmt.Sprintf("t%05d", i+1); a.Name != want {
			t.Fatalf("asset %d is %s, want %s", i, a.Name, want)
		}
		var cols []map[string]any
		if err := json.Unmarshal([]byte(a.Schema["columns"]), &cols); err != nil || len(cols) != columns {
			t.Fatalf("%s: %d columns (%v), want %d", a.Name, len(cols), err, columns)
		}
		if cols[0]["column_name"] != "id" || cols[0]["is_primary_key"] != true || cols[columns-1]["column_name"] != fmt.Sprintf("c%d", columns) {
			t.Fatalf("%s: columns %v", a.Name, cols)
		}
	}
	fks := 0
	for _, e := range got.Lineage {
		if e.Type == "FOREIGN_KEY" {
			fks++
		}
	}
	if fks != tables-1 {
		t.Errorf("%d FOREIGN_KEY edges, want %d", fks, tables-1)
	}
	total := 0
	for i, n := range got.Batches {
		total += n
		if n > BatchSize || n == 0 || (n < BatchSize && i != len(got.Batches)-1) {
			t.Errorf("batch %d holds %d items (batches %v)", i, n, got.Batches)
		}
	}
	if want := len(got.Assets) + len(got.Lineage) + len(got.Stats); total != want || len(got.Batches) < 3 {
		t.Errorf("batches %v hold %d items, want %d in several batches", got.Batches, total, want)
	}
}
