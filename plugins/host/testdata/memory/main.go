// Command memory allocates beyond any sane limit: in 8 MiB steps, or in
// one 1 GiB block.
package main

import (
	"context"
	"encoding/json"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type plugin struct{}

var hoard [][]byte

func (plugin) Describe() model.Description {
	return model.Description{ID: "memory", Version: "0.0.1", ConfigSchema: map[string]any{"type": "object"}}
}

func (plugin) Validate(json.RawMessage) error { return nil }

func (plugin) Discover(_ context.Context, raw json.RawMessage, e sdk.Emitter) error {
	var c struct{ Mode string }
	_ = json.Unmarshal(raw, &c)
	if c.Mode == "huge" {
		hoard = append(hoard, make([]byte, 1<<30))
	}
	for i := 0; ; i++ {
		b := make([]byte, 8<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(i)
		}
		hoard = append(hoard, b)
	}
}

func init() { sdk.Serve(plugin{}) }

func main() {}
