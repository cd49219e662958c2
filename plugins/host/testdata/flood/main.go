// Command flood emits without end, ignoring every error, to be stopped
// by the output limit.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type plugin struct{}

func (plugin) Describe() model.Description {
	return model.Description{ID: "flood", Version: "0.0.1", ConfigSchema: map[string]any{"type": "object"}}
}

func (plugin) Validate(json.RawMessage) error { return nil }

func (plugin) Discover(_ context.Context, _ json.RawMessage, e sdk.Emitter) error {
	desc := strings.Repeat("x", 4096)
	for i := 0; ; i++ {
		a := sdk.NewAsset("Table", "Test", fmt.Sprintf("t%d", i))
		a.Description = &desc
		_ = e.Asset(a)
	}
}

func init() { sdk.Serve(plugin{}) }

func main() {}
