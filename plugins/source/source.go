// Package source is the host's view of an ingestion source: what `weir
// ingest` runs for each runs[] entry. The wasm host (plugins/host)
// implements it for modules; tests may implement it in Go.
package source

import (
	"context"
	"encoding/json"

	"github.com/weir-dev/weir/plugins/model"
)

// Source discovers assets from one kind of system.
type Source interface {
	// Describe returns the source's id, version, config schema and
	// capabilities.
	Describe(ctx context.Context) (model.Description, error)
	// Validate checks a config (the runs[] entry's value, ${VAR}s already
	// expanded) and returns an error naming the field at fault.
	Validate(ctx context.Context, config json.RawMessage) error
	// Discover streams what the source finds to emit, in batches. An error
	// from emit stops discovery and is returned.
	Discover(ctx context.Context, config json.RawMessage, emit func([]model.Item) error) error
}

// Error is a source failure with a hint whether retrying may help.
type Error struct {
	Message   string
	Retryable bool
}

func (e *Error) Error() string { return e.Message }
