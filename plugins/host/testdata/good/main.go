// Command good is a well-behaved plugin for the host's tests: it
// validates its config, talks to an echo server in plain TCP and over
// TLS through the SDK's dialer, logs, and streams batches.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type config struct {
	Host          string `json:"host"`
	Port          int    `json:"port"`
	TLSPort       int    `json:"tls_port"`
	TLSServerName string `json:"tls_server_name"`
	Batches       int    `json:"batches"`
	Fail          string `json:"fail"`
}

type plugin struct{}

func (plugin) Describe() model.Description {
	return model.Description{
		ID: "good", Version: "1.0.0",
		ConfigSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"host":            map[string]any{"type": "string", "x-weir-endpoint": true},
				"port":            map[string]any{"type": "integer"},
				"tls_port":        map[string]any{"type": "integer"},
				"tls_server_name": map[string]any{"type": "string"},
				"batches":         map[string]any{"type": "integer"},
				"password":        map[string]any{"type": "string", "x-weir-secret": true},
				"fail":            map[string]any{"type": "string"},
			},
			"required": []string{"host"},
		},
		Capabilities: []string{sdk.CapabilityNetwork},
	}
}

func parse(raw json.RawMessage) (config, error) {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, sdk.Errorf("config: %v", err)
	}
	if c.Host == "" {
		return c, sdk.Errorf("host: required")
	}
	return c, nil
}

func (plugin) Validate(raw json.RawMessage) error {
	_, err := parse(raw)
	return err
}

func (plugin) Discover(ctx context.Context, raw json.RawMessage, e sdk.Emitter) error {
	c, err := parse(raw)
	if err != nil {
		return err
	}
	sdk.Logger().Info("discovering", "host", c.Host, "batches", c.Batches)
	if c.Port > 0 {
		conn, err := sdk.DialContext(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
		if err != nil {
			return sdk.Retryable(err)
		}
		if err := echo(conn, "plain"); err != nil {
			return err
		}
	}
	if c.TLSPort > 0 {
		d := sdk.Dialer{Timeout: 10 * time.Second}
		raw, err := d.DialContext(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.TLSPort)))
		if err != nil {
			return sdk.Retryable(err)
		}
		name := c.TLSServerName
		if name == "" {
			name = c.Host
		}
		// RootCAs nil: the system pool, which the host provides.
		conn := tls.Client(raw, &tls.Config{ServerName: name, MinVersion: tls.VersionTLS12})
		if err := conn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return fmt.Errorf("tls: %w", err)
		}
		if err := echo(conn, "tls"); err != nil {
			return err
		}
	}
	switch c.Fail {
	case "retryable":
		return sdk.Retryable(errors.New("the database is starting up"))
	case "fatal":
		return sdk.Errorf("schema %q not found", "missing")
	}
	db := sdk.NewAsset("Database", "Test", "shop")
	for b := range c.Batches {
		t := sdk.NewAsset("Table", "Test", fmt.Sprintf("table_%d", b))
		if err := e.Asset(t); err != nil {
			return err
		}
		if err := e.Lineage(sdk.Contains(db.MRN, t.MRN)); err != nil {
			return err
		}
		if err := e.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// echo sends a line and expects it back.
func echo(conn net.Conn, what string) error {
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	msg := "hello over " + what + "\n"
	if _, err := conn.Write([]byte(msg)); err != nil {
		return fmt.Errorf("%s write: %w", what, err)
	}
	got, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("%s read: %w", what, err)
	}
	if got != msg {
		return fmt.Errorf("%s echo: got %q, want %q", what, got, msg)
	}
	sdk.Logger().Info("echo ok", "transport", what)
	return nil
}

func init() { sdk.Serve(plugin{}) }

func main() {}
