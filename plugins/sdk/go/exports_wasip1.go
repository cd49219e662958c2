//go:build wasip1

package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"unsafe"
)

// Exports of ABI v1 (docs/plugins/abi.md). Results are packed as
// ptr<<32 | len of a JSON envelope; 0 means success without a value.

//go:wasmexport weir_abi_version
func exportABIVersion() int32 { return ABIVersion }

// pinned keeps buffers handed to the host alive until the call they are
// passed to consumes them.
var pinned = map[uint32][]byte{}

//go:wasmexport weir_alloc
func exportAlloc(size uint32) uint32 {
	if size == 0 {
		return 0
	}
	b := make([]byte, size)
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	pinned[p] = b
	return p
}

// take returns the input buffer at ptr and releases it.
func take(ptr, n uint32) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	b, ok := pinned[ptr]
	delete(pinned, ptr)
	if !ok || uint32(len(b)) < n {
		return nil, errors.New("input buffer was not allocated with weir_alloc")
	}
	return b[:n], nil
}

//go:wasmexport weir_describe
func exportDescribe() uint64 {
	if served == nil {
		return reply(nil, errNotServed)
	}
	return reply(describe(served), nil)
}

//go:wasmexport weir_validate
func exportValidate(ptr, n uint32) uint64 {
	config, err := take(ptr, n)
	if err == nil && served == nil {
		err = errNotServed
	}
	if err == nil {
		err = served.Validate(config)
	}
	return reply(nil, err)
}

//go:wasmexport weir_discover
func exportDiscover(ptr, n uint32) uint64 {
	config, err := take(ptr, n)
	if err == nil && served == nil {
		err = errNotServed
	}
	if err == nil {
		b := newBatcher(sendBatch)
		err = served.Discover(context.Background(), config, b)
		if err == nil {
			err = b.Flush()
		}
	}
	return reply(nil, err)
}

var errNotServed = errors.New("the module registered no plugin: call sdk.Serve(plugin) from an init function")

func sendBatch(batch []byte) error {
	if hostEmit(ptrOf(batch), uint32(len(batch))) != 0 {
		return &Error{Message: "host refused a batch: " + lastError()}
	}
	return nil
}

// result is kept until the next call so the host can read it.
var result []byte

type wireError struct {
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

func reply(v any, err error) uint64 {
	var env struct {
		OK    any        `json:"ok,omitempty"`
		Error *wireError `json:"error,omitempty"`
	}
	switch {
	case err != nil:
		msg, retry := toWire(err)
		env.Error = &wireError{Message: msg, Retryable: retry}
	case v == nil:
		return 0
	default:
		env.OK = v
	}
	var merr error
	if result, merr = json.Marshal(env); merr != nil {
		result, _ = json.Marshal(map[string]any{"error": wireError{Message: "encoding result: " + merr.Error()}})
	}
	return uint64(uintptr(unsafe.Pointer(&result[0])))<<32 | uint64(len(result))
}
