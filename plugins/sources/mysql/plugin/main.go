// Command plugin is the mysql source as a Weir wasm module, built into
// weir as a built-in (make plugins):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o mysql.wasm .
package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
	"github.com/weir-dev/weir/plugins/source"
	"github.com/weir-dev/weir/plugins/sources/mysql"
)

type plugin struct{}

func (plugin) Describe() model.Description { return mysql.Describe() }

func (plugin) Validate(raw json.RawMessage) error {
	_, err := mysql.Validate(raw)
	return err
}

func (plugin) Discover(ctx context.Context, raw json.RawMessage, e sdk.Emitter) error {
	cfg, err := mysql.Validate(raw)
	if err != nil {
		return err
	}
	err = mysql.Discover(ctx, cfg, sdk.DialContext, func(items []model.Item) error { return e.Emit(items...) })
	var se *source.Error
	if errors.As(err, &se) {
		return &sdk.Error{Message: se.Message, Retryable: se.Retryable}
	}
	return err
}

// Serve from init: a c-shared (reactor) module never runs main.
func init() { sdk.Serve(plugin{}) }

func main() {}
