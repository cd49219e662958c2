package builtin_test

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"slices"
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

// Every source with a plugin/ main under plugins/sources is built in: a
// binary built without one of them (a partial make plugins) fails here.
func TestBuiltinsArePresent(t *testing.T) {
	dirs, err := filepath.Glob("../sources/*/plugin")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range dirs {
		want = append(want, filepath.Base(filepath.Dir(d)))
	}
	slices.Sort(want)
	if len(want) < 3 {
		t.Fatalf("found only %q under plugins/sources/*/plugin", want)
	}
	if ids := builtin.IDs(); !slices.Equal(ids, want) {
		t.Fatalf("built-in sources = %q, want %q (plugins/sources/*/plugin): run `make plugins`", ids, want)
	}
	for _, id := range want {
		if _, err := builtin.Description(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
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

// A DSN pasted into host is refused by the module's validate, naming the
// keys to use, and no error repeats a config value: the password would
// otherwise be printed in the connect error, and ssl_mode, port and
// unknown keys in validation errors.
func TestPostgresqlWasmErrorsNeverEchoValues(t *testing.T) {
	ctx := context.Background()
	const secret = "s3cr3t-Pa55"
	src := builtin.Sources(hostOptions(t))["postgresql"]
	for _, tt := range []struct {
		config map[string]any
		want   string
	}{
		{map[string]any{"host": "postgres://reader:" + secret + "@127.0.0.1:5432/shop", "user": "u"},
			"host: must be a host name or address, not a connection URL (no :// or @): put the user, password and database in the user, password and database keys"},
		{map[string]any{"host": "db", "user": "u", "ssl_mode": secret}, "ssl_mode: must be one of disable, require, verify-ca, verify-full"},
		{map[string]any{"host": "db", "user": "u", "port": secret}, "port: must be an integer"},
		{map[string]any{"host": "db", "user": "u", "pasword": secret}, "pasword: unknown field"},
	} {
		raw, _ := json.Marshal(tt.config)
		for name, err := range map[string]error{
			"Validate": src.Validate(ctx, raw),
			"Discover": src.Discover(ctx, raw, func([]model.Item) error { return nil }),
		} {
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), secret) {
				t.Errorf("%s(%v) = %v; want an error saying %q without the value", name, tt.config, err, tt.want)
			}
		}
	}
}
