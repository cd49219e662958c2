package builtin_test

import (
	"context"
	"encoding/json"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sources/postgresql"
	"github.com/weir-dev/weir/test/postgres"
)

// The test PostgreSQL listens on 127.0.0.1, which the configs name, so
// the sandbox needs no setting to reach it.
func hostOptions(tb testing.TB) host.Options {
	return host.Options{CacheDir: tb.TempDir()}
}

func TestBuiltinsArePresent(t *testing.T) {
	if ids := builtin.IDs(); !reflect.DeepEqual(ids, []string{"postgresql"}) {
		t.Fatalf("built-in sources = %q, want [postgresql]: run `make plugins` before the tests", ids)
	}
}

// The postgresql module, run by the wasm host, emits exactly what the same
// code emits natively.
func TestPostgresqlWasmMatchesNative(t *testing.T) {
	ctx := context.Background()
	srv := postgres.Start(t)
	shop, err := srv.LoadShop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"host": srv.Host, "port": srv.Port, "user": shop.Owner, "password": shop.OwnerPassword})

	src := builtin.Sources(hostOptions(t))["postgresql"]
	desc, err := src.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if desc.ID != "postgresql" || desc.ABI != host.ABIVersion {
		t.Fatalf("description = %+v, want id postgresql, ABI %d", desc, host.ABIVersion)
	}
	if err := src.Validate(ctx, json.RawMessage(`{"hots": "db"}`)); err == nil {
		t.Fatal("Validate accepted a config without host and with an unknown key")
	}
	var wasm []model.Item
	if err := src.Discover(ctx, raw, func(items []model.Item) error { wasm = append(wasm, items...); return nil }); err != nil {
		t.Fatalf("wasm Discover: %v", err)
	}

	cfg, err := postgresql.Validate(raw)
	if err != nil {
		t.Fatal(err)
	}
	var native []model.Item
	var d net.Dialer
	if err := postgresql.Discover(ctx, cfg, d.DialContext, func(items []model.Item) error { native = append(native, items...); return nil }); err != nil {
		t.Fatalf("native Discover: %v", err)
	}
	if len(native) < 10 {
		t.Fatalf("native discovery found only %d items", len(native))
	}
	w, _ := json.Marshal(withoutSyncTimes(wasm))
	n, _ := json.Marshal(withoutSyncTimes(native))
	if string(w) != string(n) {
		t.Fatalf("wasm and native discoveries differ:\nwasm:   %.2000s\nnative: %.2000s", w, n)
	}
}

// The sandbox still applies to built-ins: a link-local host the config
// names is refused, and the refusal names the operator's setting.
func TestPostgresqlWasmRefusesLinkLocal(t *testing.T) {
	ctx := context.Background()
	raw, _ := json.Marshal(map[string]any{"host": "169.254.10.10", "port": 5432, "user": "u", "password": "p"})
	src := builtin.Sources(host.Options{CacheDir: t.TempDir()})["postgresql"]
	err := src.Discover(ctx, raw, func([]model.Item) error { return nil })
	var pe *host.PolicyError
	if err == nil || !errorsAs(err, &pe) || !strings.Contains(pe.Reason, "sandbox.allowLinkLocal: true in pipeline.yaml allows it") {
		t.Fatalf("Discover against 169.254.10.10 = %v, want a *host.PolicyError naming sandbox.allowLinkLocal", err)
	}
}

// withoutSyncTimes clears last_sync_at, the one field that is the time of
// the discovery and so differs between two of them.
func withoutSyncTimes(items []model.Item) []model.Item {
	for _, it := range items {
		if it.Asset != nil {
			for i := range it.Asset.Sources {
				it.Asset.Sources[i].LastSyncAt = time.Time{}
			}
		}
	}
	return items
}
