package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/weir-dev/weir/plugins/model"
)

// forgetCache drops the process's in-memory cache for dir, so the next
// Load reads compiled code from the directory as a new process would.
func forgetCache(t testing.TB, dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	caches.Lock()
	defer caches.Unlock()
	if c, ok := caches.m[abs]; ok {
		_ = c.Close(context.Background())
		delete(caches.m, abs)
	}
}

func loadOnce(t testing.TB, wasm []byte, dir string) time.Duration {
	t.Helper()
	opts, _ := testOptions(t)
	opts.CacheDir = dir
	start := time.Now()
	m, err := Load(context.Background(), wasm, opts)
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	m.Close(context.Background())
	return d
}

// TestCompilationCacheDir: the first Load writes compiled code to the
// directory; a later process (simulated by forgetting the in-memory
// cache) loads from it.
func TestCompilationCacheDir(t *testing.T) {
	dir := t.TempDir()
	t.Cleanup(func() { forgetCache(t, dir) })
	cold := loadOnce(t, guests["good"], dir)
	files, _ := filepath.Glob(filepath.Join(dir, "wazero-*", "*"))
	if len(files) == 0 {
		t.Fatalf("no compiled code in %s after Load", dir)
	}
	forgetCache(t, dir)
	fromDir := loadOnce(t, guests["good"], dir)
	inProcess := loadOnce(t, guests["good"], dir)
	t.Logf("Load of good.wasm: cold %v, from the cache directory %v, from the in-process cache %v", cold, fromDir, inProcess)
}

// BenchmarkCompileCold loads a module with an empty cache: a full
// compilation, an instance and its description.
func BenchmarkCompileCold(b *testing.B) {
	base := b.TempDir()
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(base, strconv.Itoa(i))
		loadOnce(b, guests["good"], dir)
		b.StopTimer()
		forgetCache(b, dir)
		os.RemoveAll(dir)
		b.StartTimer()
	}
}

// BenchmarkCompileCached loads a module whose compiled code is in the
// cache directory, as a second process (a Job pod's next source) would.
func BenchmarkCompileCached(b *testing.B) {
	dir := b.TempDir()
	loadOnce(b, guests["good"], dir)
	forgetCache(b, dir)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loadOnce(b, guests["good"], dir)
		b.StopTimer()
		forgetCache(b, dir)
		b.StartTimer()
	}
}

// BenchmarkCompileCachedInProcess loads a module whose bytes another
// open Module of this process holds: only instantiation and describe
// remain.
func BenchmarkCompileCachedInProcess(b *testing.B) {
	dir := b.TempDir()
	b.Cleanup(func() { forgetCache(b, dir) })
	opts, _ := testOptions(b)
	opts.CacheDir = dir
	load(b, "good", opts) // stays open until the benchmark ends
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loadOnce(b, guests["good"], dir)
	}
}

// BenchmarkDiscover is one Discover of the good module, three batches:
// a fresh instance, validate, discover.
func BenchmarkDiscover(b *testing.B) {
	opts, _ := testOptions(b)
	m := load(b, "good", opts)
	_, emit := collector()
	config := cfg(map[string]any{"host": "db", "batches": 3})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.Discover(context.Background(), config, emit); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTerminationChecks is the price of WithCloseOnContextDone, which
// lets a deadline stop a module that never calls the host: wazero then
// compiles a call to a check at every loop header, and Go's wasm code
// enters a loop at every function entry. The good module emits 1,000
// batches (2,000 items, JSON-encoded in the guest), with the runtime
// configured as Load does and with the checks off.
func BenchmarkTerminationChecks(b *testing.B) {
	config := cfg(map[string]any{"host": "db", "batches": 1000})
	for _, checks := range []bool{true, false} {
		b.Run(fmt.Sprintf("checks=%v", checks), func(b *testing.B) {
			opts, _ := testOptions(b)
			opts.CacheDir = b.TempDir()
			opts = opts.withDefaults()
			cache, err := compilationCache(opts.CacheDir)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			m := &Module{opts: opts, digest: fmt.Sprintf("%064x", 0)}
			m.runtime = wazero.NewRuntimeWithConfig(ctx, runtimeConfig(opts, cache).WithCloseOnContextDone(checks))
			if err := m.load(ctx, guests["good"]); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { m.Close(ctx); forgetCache(b, opts.CacheDir) })
			emit := func([]model.Item) error { return nil }
			for b.Loop() {
				if err := m.Discover(ctx, config, emit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
