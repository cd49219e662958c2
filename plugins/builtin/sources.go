package builtin

import (
	"context"
	"fmt"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/source"
)

// Sources returns every built-in source, run by the wasm host with opts
// (trusted, see Load). Each module is compiled on first use only, so a
// pipeline pays for the sources it names (compiling one takes seconds
// cold; with opts.CacheDir it is read back from wazero's compilation
// cache).
func Sources(opts host.Options) map[string]source.Source {
	out := map[string]source.Source{}
	for _, id := range IDs() {
		out[id] = host.Lazy(func(ctx context.Context) (*host.Module, error) {
			return Load(ctx, id, opts)
		})
	}
	return out
}

// Load loads the built-in source id with opts, trusted: the built-ins
// are Weir's own code, as trusted as the operator, and run without
// wazero's termination checks (host.Options.Trusted), which cost them
// about 4x their CPU. Every built-in is loaded here (Sources, `weir
// plugin precompile`, the benchmarks), so the code precompiled into the
// image is the code `weir ingest` looks up.
func Load(ctx context.Context, id string, opts host.Options) (*host.Module, error) {
	wasm, ok := Module(id)
	if !ok {
		return nil, fmt.Errorf("built-in source %q is missing from this binary", id)
	}
	opts.Trusted = true
	return host.Load(ctx, wasm, opts)
}
