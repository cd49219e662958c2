package builtin

import (
	"context"
	"fmt"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/source"
)

// Sources returns every built-in source, run by the wasm host with opts.
// Each module is compiled on first use only, so a pipeline pays for the
// sources it names (compiling one takes seconds cold; with opts.CacheDir
// it is read back from wazero's compilation cache).
func Sources(opts host.Options) map[string]source.Source {
	out := map[string]source.Source{}
	for _, id := range IDs() {
		out[id] = host.Lazy(func(ctx context.Context) (*host.Module, error) {
			wasm, ok := Module(id)
			if !ok {
				return nil, fmt.Errorf("built-in source %q is missing from this binary", id)
			}
			return host.Load(ctx, wasm, opts)
		})
	}
	return out
}
