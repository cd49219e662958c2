// Command abi2 pretends to be a plugin for a future ABI v2: it says so,
// and imports a host function v1 does not have.
package main

import "unsafe"

//go:wasmimport weir emit_v2
func emitV2(ptr unsafe.Pointer, n uint32, flags uint64) int32

//go:wasmexport weir_abi_version
func abiVersion() int32 { return 2 }

//go:wasmexport weir_describe
func describe() uint64 {
	b := []byte("[]")
	return uint64(emitV2(unsafe.Pointer(&b[0]), 2, 0))
}

func main() {}
