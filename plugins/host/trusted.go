package host

import (
	"context"
	"fmt"

	"github.com/weir-dev/weir/plugins/source"
)

// Trusted reports whether the module runs without wazero's termination
// checks (Options.Trusted).
func (m *Module) Trusted() bool { return m.opts.Trusted }

// ModuleOf returns the module behind src: src itself if it is a *Module,
// or the module of a Lazy source, loading it now. It lets callers and
// tests see how a source's module was loaded (its digest, Trusted).
func ModuleOf(ctx context.Context, src source.Source) (*Module, error) {
	switch s := src.(type) {
	case *Module:
		return s, nil
	case *lazy:
		return s.module(ctx)
	}
	return nil, fmt.Errorf("host: %T is not a wasm source (a *host.Module or host.Lazy)", src)
}
