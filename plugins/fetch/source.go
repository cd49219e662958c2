package fetch

import (
	"context"
	"fmt"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/source"
)

// Source returns the source of a plugin module: on first use it fetches
// the module from url (trusting caBundle too, if any), refuses it unless
// its SHA-256 is sum, loads it in the host with opts and checks that it
// describes itself as id. Nothing is downloaded for a plugin no pipeline
// entry runs.
func (f *Fetcher) Source(id, url, sum string, caBundle []byte, opts host.Options) source.Source {
	return host.Lazy(func(ctx context.Context) (*host.Module, error) {
		b, err := f.FetchTrusting(ctx, url, sum, caBundle)
		if err != nil {
			return nil, fmt.Errorf("plugin %s: %w", id, err)
		}
		m, err := host.Load(ctx, b, opts)
		if err != nil {
			return nil, err
		}
		d, err := m.Describe(ctx)
		if err == nil && d.ID != id {
			err = fmt.Errorf("plugin %s: the module at %s describes itself as %q, not %q", id, display(url), d.ID, id)
		}
		if err != nil {
			_ = m.Close(ctx)
			return nil, err
		}
		return m, nil
	})
}
