// Command plugin is the s3 source as a Weir wasm module, built into
// weir as a built-in (make plugins):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o s3.wasm .
package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
	"github.com/weir-dev/weir/plugins/source"
	"github.com/weir-dev/weir/plugins/sources/s3"
)

type plugin struct{}

func (plugin) Describe() model.Description { return s3.Describe() }

func (plugin) Validate(raw json.RawMessage) error {
	_, err := s3.Validate(raw)
	return err
}

func (plugin) Discover(ctx context.Context, raw json.RawMessage, e sdk.Emitter) error {
	cfg, err := s3.Validate(raw)
	if err != nil {
		return err
	}
	err = s3.Discover(ctx, cfg, sdk.DialContext, func(items []model.Item) error { return e.Emit(items...) })
	var se *source.Error
	if errors.As(err, &se) {
		return &sdk.Error{Message: se.Message, Retryable: se.Retryable}
	}
	return err
}

// Serve from init: a c-shared (reactor) module never runs main.
func init() { sdk.Serve(plugin{}) }

func main() {}
