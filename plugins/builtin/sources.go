package builtin

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// Sources returns every built-in source, run by the wasm host with opts.
// Each module is compiled on first use only, so a pipeline pays for the
// sources it names (compiling one takes seconds cold; with opts.CacheDir
// it is read back from wazero's compilation cache).
func Sources(opts host.Options) map[string]source.Source {
	out := map[string]source.Source{}
	for _, id := range IDs() {
		out[id] = &lazy{id: id, opts: opts}
	}
	return out
}

// lazy loads its module the first time it is used.
type lazy struct {
	id   string
	opts host.Options
	once sync.Once
	mod  *host.Module
	err  error
}

func (l *lazy) module(ctx context.Context) (*host.Module, error) {
	l.once.Do(func() {
		wasm, ok := Module(l.id)
		if !ok {
			l.err = fmt.Errorf("built-in source %q is missing from this binary", l.id)
			return
		}
		l.mod, l.err = host.Load(ctx, wasm, l.opts)
	})
	return l.mod, l.err
}

func (l *lazy) Describe(ctx context.Context) (model.Description, error) {
	m, err := l.module(ctx)
	if err != nil {
		return model.Description{}, err
	}
	return m.Describe(ctx)
}

func (l *lazy) Validate(ctx context.Context, config json.RawMessage) error {
	m, err := l.module(ctx)
	if err != nil {
		return err
	}
	return m.Validate(ctx, config)
}

func (l *lazy) Discover(ctx context.Context, config json.RawMessage, emit func([]model.Item) error) error {
	m, err := l.module(ctx)
	if err != nil {
		return err
	}
	return m.Discover(ctx, config, emit)
}
