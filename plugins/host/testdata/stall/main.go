// Command stall never finishes discovering: it spins, sleeps, waits for
// bytes that never come, or calls one host function without end ignoring
// its errors, to be stopped by the wall-time limits.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type config struct {
	Mode string `json:"mode"` // spin, sleep, read, spin-validate, or a loop: emit, log, print, dial, reread
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
	case "emit":
		for i := 0; ; i++ {
			_ = e.Asset(sdk.NewAsset("Table", "Test", "t"+strconv.Itoa(i)))
			_ = e.Flush()
		}
	case "log":
		for {
			slog.Info("still here")
		}
	case "print":
		for {
			fmt.Println("still here")
		}
	case "dial": // a closed port: each dial fails at once
		for {
			if conn, err := sdk.DialContext(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port))); err == nil {
				conn.Close()
			}
		}
	case "reread": // once the host closed the connection, reads fail at once
		conn, err := sdk.DialContext(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
		if err != nil {
			return err
		}
		buf := make([]byte, 10)
		for {
			_, _ = conn.Read(buf)
		}
	default:
		spin()
	}
	return nil
}

func init() { sdk.Serve(plugin{}) }

func main() {}
