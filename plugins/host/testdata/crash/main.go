// Command crash fails hard in Discover: a Go panic, a nil dereference, an
// exit, or a dial without having declared the network capability.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type plugin struct{}

func (plugin) Describe() model.Description {
	return model.Description{ID: "crash", Version: "0.0.1", ConfigSchema: map[string]any{"type": "object",
		"properties": map[string]any{"host": map[string]any{"type": "string", "x-weir-endpoint": true}}}}
}

func (plugin) Validate(json.RawMessage) error { return nil }

type node struct{ next *node }

func (plugin) Discover(ctx context.Context, raw json.RawMessage, e sdk.Emitter) error {
	var c struct{ Mode, Host string }
	_ = json.Unmarshal(raw, &c)
	_ = e.Asset(sdk.NewAsset("Table", "Test", "before_crash"))
	_ = e.Flush()
	switch c.Mode {
	case "nil":
		var n *node
		_ = n.next.next
	case "exit":
		os.Exit(3)
	case "dial":
		_, err := sdk.DialContext(ctx, "tcp", c.Host+":5432")
		return err
	}
	panic("the plugin lost its mind")
}

func init() { sdk.Serve(plugin{}) }

func main() {}
