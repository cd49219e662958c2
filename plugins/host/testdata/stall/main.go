// Command stall never finishes discovering: it spins, sleeps, or waits
// for bytes that never come, to be stopped by the wall-time limits.
package main

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type config struct {
	Mode string `json:"mode"` // spin, sleep, read, or spin-validate
	Host string `json:"host"`
	Port int    `json:"port"`
}

type plugin struct{}

var counter int

func (plugin) Describe() model.Description {
	return model.Description{ID: "stall", Version: "0.0.1", Capabilities: []string{sdk.CapabilityNetwork},
		ConfigSchema: map[string]any{"type": "object", "properties": map[string]any{
			"mode": map[string]any{"type": "string"},
			"host": map[string]any{"type": "string", "x-weir-endpoint": true},
			"port": map[string]any{"type": "integer"},
		}}}
}

func (plugin) Validate(raw json.RawMessage) error {
	var c config
	_ = json.Unmarshal(raw, &c)
	if c.Mode == "spin-validate" {
		spin()
	}
	return nil
}

func spin() {
	for {
		counter++
	}
}

func (plugin) Discover(ctx context.Context, raw json.RawMessage, e sdk.Emitter) error {
	var c config
	_ = json.Unmarshal(raw, &c)
	_ = e.Asset(sdk.NewAsset("Table", "Test", "before_stall"))
	_ = e.Flush()
	switch c.Mode {
	case "sleep":
		time.Sleep(24 * time.Hour)
	case "read":
		conn, err := sdk.DialContext(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
		if err != nil {
			return err
		}
		buf := make([]byte, 10)
		_, err = conn.Read(buf) // no deadline: the host's must stop it
		return err
	default:
		spin()
	}
	return nil
}

func init() { sdk.Serve(plugin{}) }

func main() {}
