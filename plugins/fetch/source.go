package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// Source returns the source of a plugin module: on first use it fetches
// the module from url, refuses it unless its SHA-256 is sum, loads it in
// the host with opts and checks that it describes itself as id. Nothing
// is downloaded for a plugin no pipeline entry runs.
func (f *Fetcher) Source(id, url, sum string, opts host.Options) source.Source {
	return &lazySource{f: f, id: id, url: url, sum: sum, opts: opts}
}

type lazySource struct {
	f            *Fetcher
	id, url, sum string
	opts         host.Options
	once         sync.Once
	mod          *host.Module
	err          error
}

func (l *lazySource) module(ctx context.Context) (*host.Module, error) {
	l.once.Do(func() {
		b, err := l.f.Fetch(ctx, l.url, l.sum)
		if err != nil {
			l.err = fmt.Errorf("plugin %s: %w", l.id, err)
			return
		}
		m, err := host.Load(ctx, b, l.opts)
		if err != nil {
			l.err = err
			return
		}
		d, err := m.Describe(ctx)
		if err == nil && d.ID != l.id {
			err = fmt.Errorf("plugin %s: the module at %s describes itself as %q, not %q", l.id, display(l.url), d.ID, l.id)
		}
		if err != nil {
			_ = m.Close(ctx)
			l.err = err
			return
		}
		l.mod = m
	})
	return l.mod, l.err
}

func (l *lazySource) Describe(ctx context.Context) (model.Description, error) {
	m, err := l.module(ctx)
	if err != nil {
		return model.Description{}, err
	}
	return m.Describe(ctx)
}

func (l *lazySource) Validate(ctx context.Context, config json.RawMessage) error {
	m, err := l.module(ctx)
	if err != nil {
		return err
	}
	return m.Validate(ctx, config)
}

func (l *lazySource) Discover(ctx context.Context, config json.RawMessage, emit func([]model.Item) error) error {
	m, err := l.module(ctx)
	if err != nil {
		return err
	}
	return m.Discover(ctx, config, emit)
}
