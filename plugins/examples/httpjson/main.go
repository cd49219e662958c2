// Command httpjson is an example third-party Weir source, built out of
// tree against the guest SDK: it reads assets and lineage from a JSON
// document served over HTTP(S), through the host's sandboxed dialer.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o http-json.wasm .
//
// The document:
//
//	{
//	  "assets": [
//	    {"name": "orders", "type": "Table", "description": "...",
//	     "metadata": {"owner": "sales"}, "tags": ["pii"],
//	     "documentation": "# Orders\n..."}
//	  ],
//	  "lineage": [
//	    {"source": "orders", "target": "order_totals", "type": "DEPENDS_ON"}
//	  ]
//	}
//
// Lineage ends are names of assets listed before them in the document, or
// MRNs (mrn://...). See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

// ID names the source in pipeline.yaml and in a Run's runs[].
const ID = "http-json"

// Version is the plugin's version.
var Version = "0.1.0"

type plugin struct{}

func (plugin) Describe() model.Description {
	return model.Description{
		ID:           ID,
		Version:      Version,
		ConfigSchema: configSchema(),
		Capabilities: []string{sdk.CapabilityNetwork}, // it dials the url's host
	}
}

func (plugin) Validate(raw json.RawMessage) error {
	_, err := parseConfig(raw)
	if err != nil {
		return sdk.Errorf("%v", err) // a config mistake: retrying will not help
	}
	return nil
}

func (plugin) Discover(ctx context.Context, raw json.RawMessage, e sdk.Emitter) error {
	cfg, err := parseConfig(raw)
	if err != nil {
		return sdk.Errorf("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(cfg.TimeoutSeconds)*time.Second)
	defer cancel()
	start := time.Now()
	n, err := discover(ctx, cfg, e)
	if err != nil {
		var se *sdk.Error
		if !errors.As(err, &se) {
			err = sdk.Retryable(err) // the network or the server: a later run may succeed
		}
		return err
	}
	sdk.Logger().Info("http-json: document read", "url", cfg.URL, "assets", n.assets, "lineage", n.lineage,
		"elapsed", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// Serve from init: a c-shared (reactor) module runs package initialisers
// but never main.
func init() { sdk.Serve(plugin{}) }

func main() {}
