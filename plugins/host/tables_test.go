package host

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
)

// withTable inserts a table section (one funcref table of minEntries,
// maxEntries if hasMax) into a module buildWasm made, before its memory section.
func withTable(wasm []byte, minEntries, maxEntries uint32, hasMax bool) []byte {
	limits := cat([]byte{0x00}, uleb(uint64(minEntries)))
	if hasMax {
		limits = cat([]byte{0x01}, uleb(uint64(minEntries)), uleb(uint64(maxEntries)))
	}
	table := wsection(4, wvec(cat([]byte{0x70}, limits)))
	r := wasmReader{b: wasm[8:]}
	for !r.done() {
		at := len(wasm) - len(r.b)
		id := r.byte()
		r.take(r.uleb())
		if id == 5 {
			return cat(wasm[:at], table, wasm[at:])
		}
	}
	panic("no memory section")
}

// tableWasm is a complete plugin with a table of minEntries whose
// discover, if grow, grows the table by 50M entries (400 MB of host
// memory outside the memory limit) with table.grow.
func tableWasm(minEntries uint32, grow bool) []byte {
	const descAt = 1024
	desc := []byte(`{"ok":{"id":"tables","version":"1.0.0","abi":1,"config_schema":{"type":"object"}}}`)
	discover := i64Const(0)
	if grow {
		// ref.null func; i32.const 50M; table.grow 0; drop
		discover = cat([]byte{0xd0, 0x70}, i32Const(50_000_000), []byte{0xfc, 0x0f, 0x00}, opDrop, i64Const(0))
	}
	return withTable(buildWasm(nil, []wasmFunc{
		{export: exportABIVersion, results: []byte{wI32}, code: i32Const(1)},
		{export: exportAlloc, params: []byte{wI32}, results: []byte{wI32}, code: i32Const(4096)},
		{export: exportDescribe, results: []byte{wI64}, code: i64Const(descAt<<32 | int64(len(desc)))},
		{export: exportValidate, params: []byte{wI32, wI32}, results: []byte{wI64}, code: i64Const(0)},
		{export: exportDiscover, params: []byte{wI32, wI32}, results: []byte{wI64}, code: discover},
	}, 2, []wasmData{{descAt, desc}}), minEntries, 0, false)
}

// TestTablesOutsideTheMemoryLimit: tables are host memory the memory
// limit does not count, so a module may neither grow one nor declare a
// large one.
func TestTablesOutsideTheMemoryLimit(t *testing.T) {
	t.Cleanup(func() { healthy(t) })
	opts, _ := testOptions(t)
	opts.Limits.Memory = 64 << 20

	t.Run("a small table loads and runs", func(t *testing.T) {
		m, err := Load(context.Background(), tableWasm(16, false), opts)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		defer m.Close(context.Background())
		if err := m.Discover(context.Background(), cfg(nil), func([]model.Item) error { return nil }); err != nil {
			t.Errorf("Discover: %v", err)
		}
	})
	t.Run("table.grow is refused at load", func(t *testing.T) {
		m, err := Load(context.Background(), tableWasm(16, true), opts)
		if err == nil {
			derr := m.Discover(context.Background(), cfg(nil), func([]model.Item) error { return nil })
			m.Close(context.Background())
			t.Fatalf("Load succeeded (Discover growing the table by 50M entries: %v); want it refused", derr)
		}
		for _, want := range []string{"plugin sha256:", "uses WebAssembly reference types", "table.grow", "build it without the reference-types feature"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Load error lacks %q: %v", want, err)
			}
		}
	})
	t.Run("a large declared table is refused at load", func(t *testing.T) {
		_, err := Load(context.Background(), tableWasm(50_000_000, false), opts)
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != LimitTable {
			t.Fatalf("Load = %v (%T); want a LimitError for the table size limit", err, err)
		}
		for _, want := range []string{"table size limit (1048576 entries)", "declare 50000000 entries"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Load error lacks %q: %v", want, err)
			}
		}
	})
}

// TestGoModulesDeclareSmallTables: the Go toolchain's wasip1 output (the
// test guests) loads without reference types and under the table cap.
func TestGoModulesDeclareSmallTables(t *testing.T) {
	for _, name := range guestNames {
		n, err := checkTables(guests[name])
		if err != nil || n == 0 || n > maxTableEntries {
			t.Errorf("%s: tables of %d entries, err %v; want a Go function table under %d", name, n, err, maxTableEntries)
		}
	}
	if b, err := os.ReadFile("../builtin/wasm/postgresql.wasm"); err == nil {
		n, err := checkTables(b)
		t.Logf("postgresql.wasm: %d table entries", n)
		if err != nil || n > maxTableEntries/4 {
			t.Errorf("postgresql.wasm: tables of %d entries, err %v; want well under %d", n, err, maxTableEntries)
		}
	} else {
		t.Fatalf("reading the built-in module: %v (make plugins builds it)", err)
	}
}
