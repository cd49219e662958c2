package builtin_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sources/mysql"
	mysqltest "github.com/weir-dev/weir/test/mysql"
)

// The mysql module, run by the wasm host (go-sql-driver/mysql dialling
// through the host's sockets), emits exactly what the same code emits
// natively, for a database with tables, a view and foreign keys.
func TestMysqlWasmMatchesNative(t *testing.T) {
	ctx := context.Background()
	srv := mysqltest.Start(t)
	if err := mysqltest.Fixture(srv); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"host": srv.Host, "port": srv.Port, "user": srv.User, "password": srv.Password, "database": "shop"})

	src := builtin.Sources(hostOptions(t))["mysql"]
	desc, err := src.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if desc.ID != "mysql" || desc.ABI != host.ABIVersion {
		t.Fatalf("description = %+v, want id mysql, ABI %d", desc, host.ABIVersion)
	}
	if err := src.Validate(ctx, json.RawMessage(`{"host": "db", "user": "u"}`)); err == nil || !strings.Contains(err.Error(), "database: required") {
		t.Fatalf("Validate without database = %v, want database: required", err)
	}
	var wasm []model.Item
	if err := src.Discover(ctx, raw, func(items []model.Item) error { wasm = append(wasm, items...); return nil }); err != nil {
		t.Fatalf("wasm Discover: %v", err)
	}

	cfg, err := mysql.Validate(raw)
	if err != nil {
		t.Fatal(err)
	}
	var native []model.Item
	var d net.Dialer
	if err := mysql.Discover(ctx, cfg, d.DialContext, func(items []model.Item) error { native = append(native, items...); return nil }); err != nil {
		t.Fatalf("native Discover: %v", err)
	}
	if len(native) < 10 {
		t.Fatalf("native discovery found only %d items", len(native))
	}
	w, _ := json.Marshal(withoutSyncTimes(wasm))
	n, _ := json.Marshal(withoutSyncTimes(native))
	if string(w) != string(n) {
		t.Fatalf("wasm and native discoveries differ:\nwasm:   %.3000s\nnative: %.3000s", w, n)
	}
}

// Errors through the module never repeat the password.
func TestMysqlWasmErrorsNeverEchoValues(t *testing.T) {
	ctx := context.Background()
	const secret = "s3cr3t-Pa55"
	src := builtin.Sources(hostOptions(t))["mysql"]
	for _, tt := range []struct {
		config map[string]any
		want   string
	}{
		{map[string]any{"host": "mysql://reader:" + secret + "@127.0.0.1:3306/shop", "user": "u", "database": "d"},
			"host: must be a host name or address, not a connection URL"},
		{map[string]any{"host": "db", "user": "u", "database": "d", "tls": secret}, "tls: must be one of false, true, skip-verify, preferred"},
		{map[string]any{"host": "db", "user": "u", "database": "d", "port": secret}, "port: must be an integer"},
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
