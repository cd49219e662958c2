package host

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// hostConn is a connection a module opened, with the deadlines the module
// set; the host applies them capped at the call's own deadline.
type hostConn struct {
	net.Conn
	readDL, writeDL time.Time
}

// conns are an instance's open connections, by handle. They are closed
// when the instance ends or its context is done, which also unblocks a
// read in progress.
type conns struct {
	mu     sync.Mutex
	m      map[int32]*hostConn
	next   int32
	max    int
	closed bool
}

var errTooManyConns = errors.New("too many open connections")

func (cs *conns) add(c net.Conn) (int32, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		c.Close()
		return 0, net.ErrClosed
	}
	if len(cs.m) >= cs.max {
		c.Close()
		return 0, errTooManyConns
	}
	if cs.m == nil {
		cs.m = map[int32]*hostConn{}
	}
	cs.next++
	cs.m[cs.next] = &hostConn{Conn: c}
	return cs.next, nil
}

func (cs *conns) get(h int32) *hostConn {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.m[h]
}

func (cs *conns) remove(h int32) *hostConn {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := cs.m[h]
	delete(cs.m, h)
	return c
}

func (cs *conns) closeAll() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	for h, c := range cs.m {
		c.Close()
		delete(cs.m, h)
	}
}

// earliest returns the earlier of a set deadline and ctx's.
func earliest(ctx context.Context, dl time.Time) time.Time {
	if cd, ok := ctx.Deadline(); ok && (dl.IsZero() || cd.Before(dl)) {
		return cd
	}
	return dl
}

func (c *hostConn) read(ctx context.Context, p []byte) (int, error) {
	if err := c.SetReadDeadline(earliest(ctx, c.readDL)); err != nil {
		return 0, err
	}
	return c.Read(p)
}

func (c *hostConn) write(ctx context.Context, p []byte) (int, error) {
	if err := c.SetWriteDeadline(earliest(ctx, c.writeDL)); err != nil {
		return 0, err
	}
	return c.Write(p)
}

// status maps an I/O error to a status code for the module.
func status(err error) int32 {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return statusTimeout
	case errors.Is(err, io.EOF):
		return statusEOF
	case errors.Is(err, net.ErrClosed):
		return statusClosed
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return statusTimeout
	}
	return statusError
}

// expired reports whether ctx is done or its deadline has passed; a
// connection deadline set from ctx can fire a moment before ctx is.
func expired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}
