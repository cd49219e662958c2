// Package sdk is the Go guest SDK for Weir source plugins. It hides plugin
// ABI v1 (docs/plugins/abi.md): a plugin author implements Plugin on a
// plain Go type, calls Serve from init, and builds with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
//
// The same code also builds natively, where Local runs a plugin
// in-process and the dialer is a net.Dialer, for unit tests and
// benchmarks of a source without wasm.
package sdk

import (
	"context"
	"encoding/json"

	"github.com/weir-dev/weir/plugins/model"
)

// ABIVersion is the plugin ABI this SDK implements.
const ABIVersion = 1

// CapabilityNetwork is the capability a plugin declares to dial out.
const CapabilityNetwork = "network"

// Plugin is what a source plugin implements.
type Plugin interface {
	// Describe returns the plugin's id, version, config schema and
	// capabilities. The SDK fills in the ABI field.
	Describe() model.Description
	// Validate checks a config and returns an error naming the field at
	// fault. It runs without network access.
	Validate(config json.RawMessage) error
	// Discover streams what the plugin finds to e. The config has passed
	// Validate. Network access is limited to the endpoints it names.
	Discover(ctx context.Context, config json.RawMessage, e Emitter) error
}

var served Plugin //nolint:unused // read by exports_wasip1.go, which only a GOOS=wasip1 build compiles

// Serve registers p as the module's plugin. Call it from an init function:
// a reactor module (-buildmode=c-shared) runs package initialisers but
// never main, so main can be empty.
func Serve(p Plugin) { served = p }

// describe returns p's description with the ABI version filled in.
func describe(p Plugin) model.Description {
	d := p.Describe()
	d.ABI = ABIVersion
	return d
}
