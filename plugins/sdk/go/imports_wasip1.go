//go:build wasip1

package sdk

import "unsafe"

// Host functions of ABI v1, module "weir" (docs/plugins/abi.md).

//go:wasmimport weir log
func hostLog(level int32, ptr unsafe.Pointer, n uint32)

//go:wasmimport weir emit
func hostEmit(ptr unsafe.Pointer, n uint32) int32

//go:wasmimport weir dial
func hostDial(netPtr unsafe.Pointer, netLen uint32, addrPtr unsafe.Pointer, addrLen uint32, deadline int64) int32

//go:wasmimport weir conn_read
func hostConnRead(h int32, ptr unsafe.Pointer, n uint32) int32

//go:wasmimport weir conn_write
func hostConnWrite(h int32, ptr unsafe.Pointer, n uint32) int32

//go:wasmimport weir conn_close
func hostConnClose(h int32) int32

//go:wasmimport weir conn_set_deadline
func hostConnSetDeadline(h int32, which int32, deadline int64) int32

//go:wasmimport weir last_error
func hostLastError(ptr unsafe.Pointer, n uint32) int32

// Status codes of host calls; non-negative values are results.
const (
	statusError   = -1 // message from last_error
	statusTimeout = -2 // a deadline passed
	statusEOF     = -3 // the peer closed its side
	statusClosed  = -4 // no such connection, or already closed
)

// ptrOf returns the address of b's first byte. Go's wasm heap does not
// move, and the host reads the bytes before the call returns.
func ptrOf(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// lastError fetches the message of the host's last failed call.
func lastError() string {
	buf := make([]byte, 256)
	n := hostLastError(ptrOf(buf), uint32(len(buf)))
	if int(n) > len(buf) {
		buf = make([]byte, n)
		n = hostLastError(ptrOf(buf), uint32(len(buf)))
	}
	if n <= 0 {
		return "host call failed"
	}
	return string(buf[:n])
}
