package host

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// Lazy is a source whose module is loaded by load on first use, once: a
// pipeline pays (download, compile) only for the sources it runs. A load
// error is kept and returned by every call.
func Lazy(load func(context.Context) (*Module, error)) source.Source {
	return &lazy{load: load}
}

type lazy struct {
	load func(context.Context) (*Module, error)
	once sync.Once
	mod  *Module
	err  error
}

func (l *lazy) module(ctx context.Context) (*Module, error) {
	l.once.Do(func() { l.mod, l.err = l.load(ctx) })
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
