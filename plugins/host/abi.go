// Package host runs Weir source plugins: WebAssembly modules built for
// plugin ABI v1 (docs/plugins/abi.md), under wazero, each call in a fresh
// sandboxed instance with limits and a network allowlist.
package host

import (
	"encoding/json"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// ABIVersion is the plugin ABI this host implements.
const ABIVersion = 1

// Names of ABI v1: the guest's exports and the host module's imports.
const (
	hostModule = "weir"

	exportABIVersion = "weir_abi_version"
	exportAlloc      = "weir_alloc"
	exportDescribe   = "weir_describe"
	exportValidate   = "weir_validate"
	exportDiscover   = "weir_discover"
	exportMemory     = "memory"
	exportInitialize = "_initialize" // WASI reactors: run once before any export
	exportStart      = "_start"      // WASI commands: refused, they exit after main
)

// Status codes host functions return; non-negative values are results.
const (
	statusError   = -1 // the message is available from last_error
	statusTimeout = -2 // a deadline passed
	statusEOF     = -3 // the peer closed its side
	statusClosed  = -4 // no such connection, or already closed
)

// exportSigs are the exports ABI v1 requires, with their signatures.
var exportSigs = map[string]sig{
	exportABIVersion: {nil, []api.ValueType{api.ValueTypeI32}},
	exportAlloc:      {i32s(1), i32s(1)},
	exportDescribe:   {nil, []api.ValueType{api.ValueTypeI64}},
	exportValidate:   {i32s(2), []api.ValueType{api.ValueTypeI64}},
	exportDiscover:   {i32s(2), []api.ValueType{api.ValueTypeI64}},
}

type sig struct{ params, results []api.ValueType }

func i32s(n int) []api.ValueType {
	ts := make([]api.ValueType, n)
	for i := range ts {
		ts[i] = api.ValueTypeI32
	}
	return ts
}

func (s sig) String() string {
	return fmt.Sprintf("(%s) -> (%s)", types(s.params), types(s.results))
}

func types(ts []api.ValueType) string {
	out := ""
	for i, t := range ts {
		if i > 0 {
			out += ", "
		}
		out += api.ValueTypeName(t)
	}
	return out
}

// unpack splits a packed ptr<<32|len result.
func unpack(v uint64) (ptr, n uint32) { return uint32(v >> 32), uint32(v) }

// envelope is what describe, validate and discover return: a value or an
// error, as JSON.
type envelope struct {
	OK    json.RawMessage `json:"ok"`
	Error *struct {
		Message   string `json:"message"`
		Retryable bool   `json:"retryable"`
	} `json:"error"`
}
