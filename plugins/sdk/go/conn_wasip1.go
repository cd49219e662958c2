//go:build wasip1

package sdk

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// maxIO bounds one host read or write; larger buffers take several calls.
const maxIO = 1 << 20

func dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: hostAddr{network, addr}, Err: err}
	}
	var deadline int64
	if d, ok := ctx.Deadline(); ok {
		deadline = d.UnixNano()
	}
	nb, ab := []byte(network), []byte(addr)
	h := hostDial(ptrOf(nb), uint32(len(nb)), ptrOf(ab), uint32(len(ab)), deadline)
	if h < 0 {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: hostAddr{network, addr}, Err: statusErr(h)}
	}
	return &conn{h: h, raddr: hostAddr{network, addr}}, nil
}

// conn is a connection the host holds; reads and writes block the
// module, which is single-threaded, until the host returns.
type conn struct {
	h      int32
	raddr  hostAddr
	closed bool
}

func (c *conn) Read(p []byte) (int, error) {
	if c.closed {
		return 0, c.opErr("read", net.ErrClosed)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if len(p) > maxIO {
		p = p[:maxIO]
	}
	n := hostConnRead(c.h, ptrOf(p), uint32(len(p)))
	switch {
	case n >= 0:
		return int(n), nil
	case n == statusEOF:
		return 0, io.EOF
	}
	return 0, c.opErr("read", statusErr(n))
}

func (c *conn) Write(p []byte) (int, error) {
	if c.closed {
		return 0, c.opErr("write", net.ErrClosed)
	}
	written := 0
	for written < len(p) {
		chunk := p[written:]
		if len(chunk) > maxIO {
			chunk = chunk[:maxIO]
		}
		n := hostConnWrite(c.h, ptrOf(chunk), uint32(len(chunk)))
		if n < 0 {
			return written, c.opErr("write", statusErr(n))
		}
		written += int(n)
	}
	return written, nil
}

func (c *conn) Close() error {
	if c.closed {
		return c.opErr("close", net.ErrClosed)
	}
	c.closed = true
	if n := hostConnClose(c.h); n < 0 {
		return c.opErr("close", statusErr(n))
	}
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return &net.TCPAddr{} }
func (c *conn) RemoteAddr() net.Addr { return c.raddr }

// Deadlines are kept by the host, which also caps them at the call's
// own deadline.
const (
	deadlineRead  = 1
	deadlineWrite = 2
)

func (c *conn) SetDeadline(t time.Time) error { return c.setDeadline(deadlineRead|deadlineWrite, t) }

func (c *conn) SetReadDeadline(t time.Time) error { return c.setDeadline(deadlineRead, t) }

func (c *conn) SetWriteDeadline(t time.Time) error { return c.setDeadline(deadlineWrite, t) }

func (c *conn) setDeadline(which int32, t time.Time) error {
	if c.closed {
		return c.opErr("set deadline", net.ErrClosed)
	}
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
		if ns == 0 { // 0 means "no deadline" on the wire
			ns = 1
		}
	}
	if n := hostConnSetDeadline(c.h, which, ns); n < 0 {
		return c.opErr("set deadline", statusErr(n))
	}
	return nil
}

func (c *conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: c.raddr.network, Addr: c.raddr, Err: err}
}

// statusErr maps a host status code to the error net.Conn users expect:
// os.ErrDeadlineExceeded reports Timeout() like the standard library's.
func statusErr(code int32) error {
	switch code {
	case statusTimeout:
		return os.ErrDeadlineExceeded
	case statusEOF:
		return io.EOF
	case statusClosed:
		return net.ErrClosed
	}
	return errors.New(lastError())
}

// hostAddr is the address as dialed; the host resolved it.
type hostAddr struct{ network, addr string }

func (a hostAddr) Network() string { return a.network }
func (a hostAddr) String() string  { return a.addr }
