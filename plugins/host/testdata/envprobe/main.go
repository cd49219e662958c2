// Command envprobe reports what of the host's environment and files it
// sees, for the grant tests: it declares PROBE_TOKEN (a value),
// PROBE_FILE (a file) and PROBE_ENDPOINT (an endpoint), and a region
// field implying probe.{value}.example.com:443. Discover emits one asset
// whose metadata says what it saw, then dials the config's "dial".
package main

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type config struct {
	Region string `json:"region"`
	Dial   string `json:"dial"`
}

type plugin struct{}

func (plugin) Describe() model.Description {
	str := map[string]any{"type": "string"}
	return model.Description{ID: "envprobe", Version: "0.0.1", Capabilities: []string{sdk.CapabilityNetwork},
		ConfigSchema: map[string]any{"type": "object",
			"x-weir-env": map[string]any{
				"PROBE_TOKEN":    str,
				"PROBE_FILE":     map[string]any{"type": "string", "x-weir-file": true},
				"PROBE_ENDPOINT": map[string]any{"type": "string", "x-weir-endpoint": true},
				"PROBE_REGION":   map[string]any{"type": "string", "x-weir-endpoint-template": []string{"probe.{value}.example.com:443"}},
				"SSL_CERT_FILE":  str, // the host's own: never taken from the environment
			},
			"properties": map[string]any{
				"region": map[string]any{"type": "string", "x-weir-endpoint-template": []string{"probe.{value}.example.com:443", "*.wild.{value}.example.com:443"}},
				"dial":   str,
			}}}
}

func (plugin) Validate(json.RawMessage) error { return nil }

func (plugin) Discover(_ context.Context, raw json.RawMessage, e sdk.Emitter) error {
	var c config
	_ = json.Unmarshal(raw, &c)
	md := map[string]any{}
	var names []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	sort.Strings(names)
	md["env"] = strings.Join(names, ",")
	md["token"] = os.Getenv("PROBE_TOKEN")
	if p := os.Getenv("PROBE_FILE"); p != "" {
		b, err := os.ReadFile(p)
		md["file"], md["file_error"] = string(b), errString(err)
		md["write_error"] = errString(os.WriteFile(p, []byte("changed"), 0o644))
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			_, err = f.Write([]byte("appended"))
			f.Close()
		}
		md["append_error"] = errString(err)
		entries, err := os.ReadDir(dirOf(p))
		var listed []string
		for _, en := range entries {
			listed = append(listed, en.Name())
		}
		md["dir"], md["dir_error"] = strings.Join(listed, ","), errString(err)
	}
	_, err := os.ReadFile("/etc/passwd")
	md["passwd_error"] = errString(err)
	a := sdk.NewAsset("Probe", "Test", "probe")
	a.Metadata = md
	if err := e.Asset(a); err != nil {
		return err
	}
	if err := e.Flush(); err != nil {
		return err
	}
	if c.Dial != "" {
		conn, err := sdk.DialContext(context.Background(), "tcp", c.Dial)
		if err != nil {
			return &sdk.Error{Message: "dial: " + err.Error()}
		}
		conn.Close()
	}
	return nil
}

func dirOf(p string) string {
	i := strings.LastIndex(p, "/")
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func init() { sdk.Serve(plugin{}) }

func main() {}
