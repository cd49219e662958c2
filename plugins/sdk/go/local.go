package sdk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// Local runs p in the calling process as a source.Source, with the same
// batching, JSON encoding and error conversion as the wasm host, but no
// sandbox: for unit tests of a plugin and native benchmarks.
func Local(p Plugin) source.Source { return local{p} }

type local struct{ p Plugin }

func (l local) Describe(context.Context) (model.Description, error) { return describe(l.p), nil }

func (l local) Validate(_ context.Context, config json.RawMessage) error {
	return sourceError(l.p.Validate(config))
}

func (l local) Discover(ctx context.Context, config json.RawMessage, emit func([]model.Item) error) error {
	if err := l.p.Validate(config); err != nil {
		return sourceError(err)
	}
	var emitErr error
	b := newBatcher(func(batch []byte) error {
		var items []model.Item
		if err := json.Unmarshal(batch, &items); err != nil {
			return fmt.Errorf("decoding batch: %w", err)
		}
		emitErr = emit(items)
		return emitErr
	})
	err := l.p.Discover(ctx, config, b)
	if err == nil {
		err = b.Flush()
	}
	if emitErr != nil {
		return emitErr // as the host does: the caller's own error, unchanged
	}
	return sourceError(err)
}

// sourceError is what the host makes of a plugin's error.
func sourceError(err error) error {
	if err == nil {
		return nil
	}
	msg, retry := toWire(err)
	return &source.Error{Message: msg, Retryable: retry}
}
