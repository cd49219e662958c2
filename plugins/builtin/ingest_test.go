package builtin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/ingest"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink/marmottest"
	"github.com/weir-dev/weir/plugins/sources/postgresql"
	"github.com/weir-dev/weir/test/postgres"
)

// Tables of the same name in different schemas and databases share an
// MRN (bare names, as upstream). Run after run, the catalogue must hold
// what `marmot ingest` leaves in it, the last one discovered
// (restricted.public.orders, shop.public.orders, then shop.sales.orders),
// and not flip to another table once the assets hash the same from one
// run to the next. Three runs of weir ingest with the postgresql module
// against the real server, into the fake Marmot that hashes and records
// checkpoints as Marmot does.
func TestIngestSharedMRNsAcrossRuns(t *testing.T) {
	ctx := context.Background()
	srv := postgres.Start(t)
	if _, err := srv.LoadShop(ctx); err != nil {
		t.Fatal(err)
	}
	config := map[string]any{"host": srv.Host, "port": srv.Port, "user": srv.Superuser, "password": srv.Password}

	// What upstream stores: per MRN, the last asset of its batch, in the
	// order upstream discovers (databases by name, then schema and name,
	// as the native source does).
	raw, _ := json.Marshal(config)
	cfg, err := postgresql.Validate(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*model.Asset{}
	seen := map[string]int{}
	var d net.Dialer
	if err := postgresql.Discover(ctx, cfg, d.DialContext, func(items []model.Item) error {
		for _, it := range items {
			if it.Asset != nil {
				want[it.Asset.MRN] = it.Asset
				seen[it.Asset.MRN]++
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	orders := "mrn://table/postgresql/orders"
	if seen[orders] != 3 || want[orders].Metadata["schema"] != "sales" {
		t.Fatalf("the fixture has %d tables named orders, the last in %v; want 3, the last sales.orders", seen[orders], want[orders].Metadata)
	}

	marmot := marmottest.New(marmottest.Options{})
	defer marmot.Close()
	pipeline, _ := json.Marshal(map[string]any{"name": "shop", "runs": []any{map[string]any{"postgresql": config}}})
	path := filepath.Join(t.TempDir(), "pipeline.yaml")
	if err := os.WriteFile(path, pipeline, 0o600); err != nil {
		t.Fatal(err)
	}
	opts := hostOptions(t) // one compile cache for the three runs
	for run := 1; run <= 3; run++ {
		cmd := ingest.NewCommandWithRegistry(ingest.Registry(builtin.Sources(opts)))
		var stderr bytes.Buffer
		cmd.SetErr(&stderr)
		cmd.SetOut(&stderr)
		cmd.SetArgs([]string{"-c", path, "--host", marmot.URL})
		if err := cmd.ExecuteContext(ctx); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, stderr.String())
		}
		if v := marmot.Violations(); len(v) > 0 {
			t.Fatalf("run %d broke the contract: %q", run, v)
		}
		warning := fmt.Sprintf("mrn=%s kept=shop.sales.orders dropped=\"restricted.public.orders, shop.public.orders\"", orders)
		if !strings.Contains(stderr.String(), warning) {
			t.Errorf("run %d: the logs lack the collision warning %s:\n%s", run, warning, stderr.String())
		}

		runs := marmot.Runs()
		r := runs[len(runs)-1]
		wantStatus := map[string]int{"created": len(want)}
		if run > 1 {
			wantStatus = map[string]int{"unchanged": len(want)}
		}
		if got := marmot.Statuses(r.ID); !reflect.DeepEqual(got, wantStatus) {
			t.Errorf("run %d: Marmot answered %v, want %v", run, got, wantStatus)
		}
		if got, mrns := marmot.Catalog(), sortedKeys(want); !slices.Equal(got, mrns) {
			t.Errorf("run %d: catalogue %q, want %q", run, got, mrns)
		}
		for mrn, a := range want {
			stored, _ := marmot.Asset(mrn)
			if diff := contentDiff(stored, a); diff != "" {
				t.Errorf("run %d: %s holds %s", run, mrn, diff)
			}
		}
	}
}

// contentDiff compares what Marmot stores of an asset, but the sync time,
// with the asset upstream would have sent last.
func contentDiff(stored json.RawMessage, a *model.Asset) string {
	var got map[string]any
	if err := json.Unmarshal(stored, &got); err != nil {
		return fmt.Sprintf("stored asset is not a JSON object: %v", err)
	}
	wantJSON, err := json.Marshal(map[string]any{"name": a.Name, "type": a.Type, "description": a.Description, "metadata": a.Metadata, "schema": a.Schema})
	if err != nil {
		return fmt.Sprintf("upstream asset does not marshal: %v", err)
	}
	var want map[string]any
	if err := json.Unmarshal(wantJSON, &want); err != nil {
		return fmt.Sprintf("upstream asset does not round-trip: %v", err)
	}
	if want["schema"] == nil {
		want["schema"] = map[string]any{}
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			return fmt.Sprintf("%s %v, want %v", k, got[k], w)
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
