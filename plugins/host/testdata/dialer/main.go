// Command dialer dials whatever its config's "dial" field says, which
// the schema does not mark as an endpoint; "host" is the endpoint.
package main

import (
	"context"
	"encoding/json"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type config struct {
	Host string `json:"host"`
	Dial string `json:"dial"`
	When string `json:"when"` // "validate" dials during Validate
}

type plugin struct{}

func (plugin) Describe() model.Description {
	return model.Description{ID: "dialer", Version: "0.0.1", Capabilities: []string{sdk.CapabilityNetwork},
		ConfigSchema: map[string]any{"type": "object", "properties": map[string]any{
			"host": map[string]any{"type": "string", "x-weir-endpoint": true},
			"dial": map[string]any{"type": "string"},
			"when": map[string]any{"type": "string"},
		}}}
}

func (plugin) Validate(raw json.RawMessage) error {
	var c config
	_ = json.Unmarshal(raw, &c)
	if c.When == "validate" {
		return dial(c.Dial)
	}
	return nil
}

func dial(addr string) error {
	conn, err := sdk.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		return err
	}
	return conn.Close()
}

func (plugin) Discover(_ context.Context, raw json.RawMessage, e sdk.Emitter) error {
	var c config
	_ = json.Unmarshal(raw, &c)
	if err := e.Asset(sdk.NewAsset("Table", "Test", "before_dial")); err != nil {
		return err
	}
	if err := e.Flush(); err != nil {
		return err
	}
	// A hostile module ignores the error and carries on as if it had
	// reached its target.
	_ = dial(c.Dial)
	return e.Asset(sdk.NewAsset("Table", "Test", "after_dial"))
}

func init() { sdk.Serve(plugin{}) }

func main() {}
