package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Dialer opens tunnels to one Workspace.
type Dialer struct {
	// URL is the Workspace's URL (status.url, ending in "/"); the tunnel
	// is at URL + "_weir/tunnel", over ws:// or wss://.
	URL string
	// Token is an OIDC ID token, sent as Authorization: Bearer.
	Token string
	// TLS configures wss:// (nil: the system's roots).
	TLS *tls.Config
	// HandshakeTimeout: 0 means 30 s.
	HandshakeTimeout time.Duration
}

// TunnelURL is the WebSocket URL of a Workspace URL's tunnel.
func TunnelURL(workspaceURL string) (string, error) {
	u, err := url.Parse(workspaceURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("the Workspace URL %q is not an absolute URL", workspaceURL)
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	default:
		return "", fmt.Errorf("the Workspace URL %q is neither http nor https", workspaceURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + Path
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String(), nil
}

// HandshakeError is the proxy's (or the sidecar's) refusal of a tunnel.
type HandshakeError struct {
	Status int
	// Title, Message and Reason are from Weir's access page, when the
	// answer is one; Body is the start of any other answer.
	Title, Message, Reason, Code string
	Body                         string
}

func (e *HandshakeError) Error() string {
	var why string
	switch {
	case e.Title != "":
		why = e.Title + ": " + e.Message
		if e.Reason != "" {
			why += " " + e.Reason
		}
		if e.Code != "" {
			why += " (" + e.Code + ")"
		}
	case e.Body != "":
		why = e.Body
	default:
		why = http.StatusText(e.Status)
	}
	hint := ""
	switch e.Status {
	case http.StatusUnauthorized:
		hint = " — Weir did not accept the ID token (none, expired, or for another client): pass a fresh one with --id-token-file or $WEIR_ID_TOKEN"
	case http.StatusForbidden:
		if e.Reason == "" {
			hint = " — you may not connect to this Workspace"
		}
	case http.StatusNotFound:
		hint = " — no tunnel at this address: does the Workspace's effective spec have spec.tunnel, and is its pod running?"
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		hint = " — the Workspace's tunnel sidecar or its target is not ready"
	}
	return fmt.Sprintf("tunnel refused with HTTP %d: %s%s", e.Status, why, hint)
}

// Dial opens one tunnel.
func (d *Dialer) Dial(ctx context.Context) (*websocket.Conn, error) {
	u, err := TunnelURL(d.URL)
	if err != nil {
		return nil, err
	}
	timeout := d.HandshakeTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	wd := websocket.Dialer{
		Proxy: http.ProxyFromEnvironment, HandshakeTimeout: timeout, TLSClientConfig: d.TLS,
		ReadBufferSize: chunk, WriteBufferSize: chunk,
	}
	h := http.Header{}
	if d.Token != "" {
		h.Set("Authorization", "Bearer "+d.Token)
	}
	ws, resp, err := wd.DialContext(ctx, u, h)
	if err != nil {
		if resp != nil && errors.Is(err, websocket.ErrBadHandshake) {
			return nil, handshakeError(resp)
		}
		return nil, fmt.Errorf("open the tunnel %s: %w", u, err)
	}
	return ws, nil
}

var pageField = regexp.MustCompile(`(?s)<(?:h1|p|dd) id="(title|message|reason)">(.*?)</(?:h1|p|dd)>`)
var pageCode = regexp.MustCompile(`Weir access: ([A-Za-z]+)`)

func handshakeError(resp *http.Response) error {
	e := &HandshakeError{Status: resp.StatusCode}
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	for _, m := range pageField.FindAllSubmatch(body, -1) {
		v := html.UnescapeString(string(m[2]))
		switch string(m[1]) {
		case "title":
			e.Title = v
		case "message":
			e.Message = v
		case "reason":
			e.Reason = v
		}
	}
	if m := pageCode.FindSubmatch(body); m != nil {
		e.Code = string(m[1])
	}
	if e.Title == "" {
		e.Body = strings.TrimSpace(string(body))
		if len(e.Body) > 300 {
			e.Body = e.Body[:300] + "..."
		}
	}
	return e
}

// HeartbeatInterval: while bytes pass through its tunnels, Forward asks
// the Workspace's URL this often (a HEAD of the tunnel path, which passes
// forward-auth), so Weir's access server sees the Workspace in use and
// idle shutdown leaves it running: a tunnel is authorized, and so seen,
// only when it opens.
var HeartbeatInterval = time.Minute

// Heartbeat is one such request; the sidecar answers it with 204.
func (d *Dialer) Heartbeat(ctx context.Context) error {
	u, err := TunnelURL(d.URL)
	if err != nil {
		return err
	}
	u = "http" + strings.TrimPrefix(u, "ws") // ws -> http, wss -> https
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return err
	}
	if d.Token != "" {
		req.Header.Set("Authorization", "Bearer "+d.Token)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = d.TLS
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("heartbeat: %w", &HandshakeError{Status: resp.StatusCode})
	}
	return nil
}

// Forward accepts connections on ln until ctx ends (or ln fails), each
// piped through a new tunnel, and sends heartbeats while they carry bytes.
// onError hears of each tunnel that could not be opened or ended badly
// (nil: ignored); the accepted connection is closed then.
func Forward(ctx context.Context, ln net.Listener, d *Dialer, onError func(error)) error {
	if onError == nil {
		onError = func(error) {}
	}
	var last atomic.Int64 // unix nanoseconds bytes last passed
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	interval := HeartbeatInterval
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		sent := int64(0)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if l := last.Load(); l > sent {
					sent = l
					if err := d.Heartbeat(ctx); err != nil && ctx.Err() == nil {
						onError(err)
					}
				}
			}
		}
	}()
	active := func() { last.Store(time.Now().UnixNano()) }
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil //nolint:nilerr // Accept failed because ctx closed the listener: a clean stop
			}
			return err
		}
		go func() {
			ws, err := d.Dial(ctx)
			if err != nil {
				c.Close()
				onError(err)
				return
			}
			if err := pipeWith(ws, c, active); err != nil && ctx.Err() == nil {
				onError(fmt.Errorf("tunnel ended: %w", err))
			}
		}()
	}
}
