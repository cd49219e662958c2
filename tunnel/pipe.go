// Package tunnel carries TCP connections over WebSockets, for desktop IDEs
// (VS Code Remote, SSH) that reach a Workspace through its authenticated
// URL: one WebSocket per TCP connection, binary messages holding the raw
// bytes. The server end (Server, run by `weir tunnel serve` in the
// Workspace's pod) dials the IDE server's port; the client end (Dialer,
// Forward; `weir workspace connect`) listens on the desktop.
//
// A WebSocket close frame stands for TCP's FIN: each end sends one when its
// TCP side reads EOF and half-closes its TCP side when it receives one, so
// a request-then-EOF protocol works through the tunnel as it does direct.
package tunnel

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Path ends every tunnel URL (wsv1.TunnelPath, under a Workspace's URL).
const Path = "/_weir/tunnel"

const (
	// chunk is the largest binary message sent, and the copy buffer of
	// each direction: memory per tunnel stays a few of these.
	chunk = 32 << 10
	// maxMessage bounds a received message (a peer other than ours may
	// send larger ones than chunk).
	maxMessage = 1 << 20
	// PingInterval: each end pings this often, so proxies that close
	// idle connections (often after 60 s) see traffic, and a dead peer
	// is noticed after PongWait.
	PingInterval = 25 * time.Second
	PongWait     = 2*PingInterval + 10*time.Second
	writeWait    = 10 * time.Second
	// closeWait bounds how long a tunnel whose one direction ended waits
	// for the other after the peer went silent.
	closeWait = 10 * time.Second
)

// halfCloser is a TCP connection's write side alone (*net.TCPConn,
// *net.UnixConn).
type halfCloser interface{ CloseWrite() error }

// Pipe copies between ws and conn until both directions end, then closes
// both. It returns the first error other than a clean close.
func Pipe(ws *websocket.Conn, conn net.Conn) error { return pipeWith(ws, conn, nil) }

// pipeWith is Pipe calling active (nil: nothing) whenever bytes pass.
func pipeWith(ws *websocket.Conn, conn net.Conn, active func()) error {
	if active == nil {
		active = func() {}
	}
	p := &pipe{ws: ws, conn: conn, active: active, done: make(chan struct{})}
	return p.run()
}

type pipe struct {
	ws     *websocket.Conn
	conn   net.Conn
	active func()

	wmu       sync.Mutex // serialises data and close frames (pings go through WriteControl)
	closeSent bool
	done      chan struct{}
}

func (p *pipe) run() error {
	p.ws.SetReadLimit(maxMessage)
	_ = p.ws.SetReadDeadline(time.Now().Add(PongWait))
	p.ws.SetPongHandler(func(string) error { return p.ws.SetReadDeadline(time.Now().Add(PongWait)) })
	// The peer's close frame is its EOF: no echo here (gorilla's
	// default), which would end this direction too early; ours follows
	// when conn reads EOF.
	p.ws.SetCloseHandler(func(int, string) error { return nil })
	go p.ping()

	errs := make(chan error, 2)
	go func() { errs <- p.wsToConn() }()
	go func() { errs <- p.connToWS() }()
	first := <-errs
	var second error
	select {
	case second = <-errs:
	case <-time.After(closeWait + PongWait):
		// A peer that neither sends nor closes: give up on it.
	}
	close(p.done)
	_ = p.conn.Close()
	_ = p.ws.Close()
	if first != nil {
		return first
	}
	return second
}

// wsToConn copies messages into conn; a close frame half-closes conn.
func (p *pipe) wsToConn() error {
	for {
		kind, r, err := p.ws.NextReader()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
				p.closeWrite()
				return nil
			}
			p.closeWrite()
			p.abort() // the WebSocket is gone: nothing more goes the other way
			return err
		}
		_ = p.ws.SetReadDeadline(time.Now().Add(PongWait))
		if kind != websocket.BinaryMessage {
			continue // text messages carry nothing of the stream
		}
		if _, err := io.Copy(p.conn, r); err != nil {
			p.abort()
			return err
		}
		p.active()
	}
}

// connToWS sends what conn reads as binary messages; EOF sends the close
// frame.
func (p *pipe) connToWS() error {
	buf := make([]byte, chunk)
	for {
		n, err := p.conn.Read(buf)
		if n > 0 {
			p.active()
			if werr := p.write(websocket.BinaryMessage, buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			if !errors.Is(err, io.EOF) {
				msg = websocket.FormatCloseMessage(websocket.CloseGoingAway, "connection ended")
			}
			_ = p.write(websocket.CloseMessage, msg)
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
	}
}

func (p *pipe) write(kind int, b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.closeSent {
		return net.ErrClosed
	}
	if kind == websocket.CloseMessage {
		p.closeSent = true
	}
	_ = p.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return p.ws.WriteMessage(kind, b)
}

func (p *pipe) ping() {
	t := time.NewTicker(PingInterval)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.wmu.Lock()
			sent := p.closeSent
			p.wmu.Unlock()
			if sent {
				return // no frames after our close
			}
			if err := p.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		}
	}
}

func (p *pipe) closeWrite() {
	if hc, ok := p.conn.(halfCloser); ok {
		_ = hc.CloseWrite()
		return
	}
	_ = p.conn.Close()
}

// abort ends conn both ways, so the other direction's Read returns.
func (p *pipe) abort() { _ = p.conn.Close() }
