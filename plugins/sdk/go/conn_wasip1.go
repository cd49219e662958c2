//go:build wasip1

package sdk

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
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

// readSlice is the longest a read waits in the host while the module has
// other goroutines. A module is single-threaded: a host call blocks all
// of its goroutines, so an unbounded read would starve, for example,
// net/http's Transport, which writes the request on one goroutine while
// another waits for the response.
const readSlice = 5 * time.Millisecond

// conn is a connection the host holds.
type conn struct {
	h      int32
	raddr  hostAddr
	closed bool
	// readDeadline is the one the user set; hostRead the one the host
	// applies now, which is earlier while reads are sliced.
	readDeadline, hostRead time.Time
}

// Read waits for data in slices of readSlice while other goroutines
// exist, yielding to them in between; alone, it waits in the host.
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
	for {
		sliced := runtime.NumGoroutine() > 1
		if sliced {
			// Let the goroutines that can run do so before this one stops
			// them all in the host: net/http's reader goroutine would
			// otherwise wait out a whole slice while the request it waits
			// for has not been written yet (one slice per request).
			runtime.Gosched()
		}
		if err := c.applyReadDeadline(sliced); err != nil {
			return 0, c.opErr("read", err)
		}
		n := hostConnRead(c.h, ptrOf(p), uint32(len(p)))
		switch {
		case n >= 0:
			return int(n), nil
		case n == statusEOF:
			return 0, io.EOF
		case n == statusTimeout && sliced && !c.userDeadlinePassed():
			// The slice ended (or the call's deadline passed: then the
			// host stops the module). Let the other goroutines run.
			runtime.Gosched()
			continue
		}
		return 0, c.opErr("read", statusErr(n))
	}
}

// applyReadDeadline gives the host the user's read deadline, or, when
// sliced, the earlier of it and the end of a new slice. A host deadline
// that ends within the next slice is reused, so a burst of reads costs
// one host call; a later one (the user's) would not be a slice.
func (c *conn) applyReadDeadline(sliced bool) error {
	want := c.readDeadline
	if sliced {
		now := time.Now()
		if c.hostRead.After(now) && !c.hostRead.After(now.Add(readSlice)) {
			return nil
		}
		if end := now.Add(readSlice); want.IsZero() || end.Before(want) {
			want = end
		}
	}
	if want.Equal(c.hostRead) {
		return nil
	}
	if n := hostConnSetDeadline(c.h, deadlineRead, wireTime(want)); n < 0 {
		return statusErr(n)
	}
	c.hostRead = want
	return nil
}

func (c *conn) userDeadlinePassed() bool {
	return !c.readDeadline.IsZero() && !time.Now().Before(c.readDeadline)
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
	if n := hostConnSetDeadline(c.h, which, wireTime(t)); n < 0 {
		return c.opErr("set deadline", statusErr(n))
	}
	if which&deadlineRead != 0 {
		c.readDeadline, c.hostRead = t, t
	}
	return nil
}

// wireTime is t in Unix nanoseconds; 0 means "no deadline" on the wire.
func wireTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if ns := t.UnixNano(); ns != 0 {
		return ns
	}
	return 1
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
