package builtin

import (
	"context"
	"testing"

	"github.com/weir-dev/weir/plugins/host"
)

// BenchmarkLoadCached measures what a Job pod pays to start the
// PostgreSQL built-in from precompiled code (the image's
// WEIR_BUILTIN_CACHE): wazero reads the compiled module from the cache
// directory, instantiates it and runs describe. The cache is filled
// before the timer starts. bench-plugins measures the same in fresh
// processes (instantiate_ms_cached).
func BenchmarkLoadCached(b *testing.B) {
	ctx := context.Background()
	opts := host.Options{CacheDir: b.TempDir()}
	m, err := Load(ctx, "postgresql", opts)
	if err != nil {
		b.Fatal(err)
	}
	_ = m.Close(ctx)
	b.ResetTimer()
	for b.Loop() {
		m, err := Load(ctx, "postgresql", opts)
		if err != nil {
			b.Fatal(err)
		}
		_ = m.Close(ctx)
	}
}
