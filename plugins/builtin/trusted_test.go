package builtin_test

import (
	"context"
	"testing"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/host"
)

// The built-ins run trusted (without wazero's termination checks) even
// when the options they are given are not: `weir ingest` passes the same
// options on to third-party plugins, which stay checked.
func TestBuiltinsAreLoadedTrusted(t *testing.T) {
	opts := hostOptions(t)
	opts.Trusted = false
	src := builtin.Sources(opts)["mysql"]
	if src == nil {
		t.Fatal("no built-in mysql source")
	}
	m, err := host.ModuleOf(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	if !m.Trusted() {
		t.Fatal("the built-in mysql source was loaded with termination checks; builtin.Load must set host.Options.Trusted")
	}
	if _, err := builtin.Load(context.Background(), "absent", opts); err == nil {
		t.Error(`builtin.Load("absent") succeeded`)
	}
}
