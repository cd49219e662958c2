package tunnel

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// echoServer echoes each connection until EOF, then closes it.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// forward starts a sidecar for target behind path, and a local forwarder
// to it; it returns the forwarder's address and the errors it reports.
func forward(t *testing.T, target string, wrap func(http.Handler) http.Handler) (string, chan error) {
	t.Helper()
	var h http.Handler = &Server{Target: target}
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = Forward(ctx, ln, &Dialer{URL: srv.URL + "/workspaces/team/nb/", Token: "tok"}, func(err error) { errs <- err })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), errs
}

// A MiB each way arrives intact, and a half-close (the client's FIN) goes
// through: the echo server sees EOF, finishes, and the client reads EOF.
func TestBytesAndHalfClose(t *testing.T) {
	addr, errs := forward(t, echoServer(t), nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 1<<20)
	_, _ = rand.Read(data)
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c)
		got <- b
	}()
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		if !bytes.Equal(b, data) {
			t.Fatalf("echoed %d bytes, want the same %d bytes", len(b), len(data))
		}
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		t.Fatal("no EOF after the echo: the half-close did not go through")
	}
}

// The server closing first (it answers, then closes) reaches the client
// as EOF after the answer.
func TestServerCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, _ = c.Write([]byte("SSH-2.0-test\r\n"))
			c.Close()
		}
	}()
	addr, _ := forward(t, ln.Addr().String(), nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "SSH-2.0-test\r\n" {
		t.Fatalf("read %q, %v; want the banner then EOF", b, err)
	}
}

func TestConcurrentTunnels(t *testing.T) {
	addr, _ := forward(t, echoServer(t), nil)
	res := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				res <- err
				return
			}
			defer c.Close()
			msg := bytes.Repeat([]byte{byte('a' + i)}, 100_000)
			go func() { _, _ = c.Write(msg); _ = c.(*net.TCPConn).CloseWrite() }()
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			b, err := io.ReadAll(c)
			if err == nil && !bytes.Equal(b, msg) {
				err = errors.New("tunnel mixed up or lost bytes")
			}
			res <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-res; err != nil {
			t.Fatal(err)
		}
	}
}

// Refusals reach the client as errors that say why: the proxy's 401 and
// 403 pages, a target that accepts nothing.
func TestRefusals(t *testing.T) {
	page := func(status int, body string) func(http.Handler) http.Handler {
		return func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
			})
		}
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	down := closed.Addr().String()
	closed.Close()
	for _, tc := range []struct {
		name   string
		target string
		wrap   func(http.Handler) http.Handler
		want   []string
	}{
		{"no token", echoServer(t), page(401, `<h1 id="title">Log in first</h1>
<p id="message">This request has no valid Weir session.</p>`), []string{"HTTP 401", "Log in first", "--id-token-file"}},
		{"denied", echoServer(t), page(403, `<h1 id="title">Access denied</h1>
<p id="message">You may not connect to this Workspace.</p>
<dd id="reason">Workspace team/nb is OwnerOnly: only its owner alice@example.com may connect.</dd>
<p class="code">Weir access: NotOwner</p>`), []string{"HTTP 403", "Access denied", "only its owner alice@example.com", "(NotOwner)"}},
		{"target down", down, nil, []string{"HTTP 502", "nothing accepts connections on " + down}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, errs := forward(t, tc.target, tc.wrap)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if n, err := c.Read(make([]byte, 1)); err == nil {
				t.Fatalf("read %d bytes through a refused tunnel", n)
			}
			select {
			case err := <-errs:
				var he *HandshakeError
				if !errors.As(err, &he) {
					t.Fatalf("error %v is no HandshakeError", err)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no error reported")
			}
		})
	}
}

func TestServerChecks(t *testing.T) {
	srv := httptest.NewServer(&Server{Target: echoServer(t)})
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/workspaces/team/nb/_weir/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("another path: status %d, want 404", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/workspaces/team/nb/_weir/tunnel")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no upgrade: status %d, want 400", resp.StatusCode)
	}
	// A page of another site may not open a tunnel with its user's cookie.
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/workspaces/team/nb/_weir/tunnel"
	_, resp, err = websocket.DefaultDialer.Dial(u, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site Origin: %v, %v; want 403", err, resp)
	}
}

func TestTunnelURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://ide.example.com/workspaces/team/nb/": "wss://ide.example.com/workspaces/team/nb/_weir/tunnel",
		"http://127.0.0.1:8080/w/":                    "ws://127.0.0.1:8080/w/_weir/tunnel",
		"https://nb-team.ide.example.com/":            "wss://nb-team.ide.example.com/_weir/tunnel",
	} {
		if got, err := TunnelURL(in); err != nil || got != want {
			t.Errorf("TunnelURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := TunnelURL("ftp://x/"); err == nil {
		t.Error("ftp:// accepted")
	}
}

// While bytes pass, Forward sends heartbeats through the proxy with the
// token (so the access server sees the Workspace in use); an idle
// tunnel sends none.
func TestHeartbeat(t *testing.T) {
	old := HeartbeatInterval
	HeartbeatInterval = 100 * time.Millisecond
	t.Cleanup(func() { HeartbeatInterval = old })
	var beats atomic.Int64
	addr, errs := forward(t, echoServer(t), func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead && r.Header.Get("Authorization") == "Bearer tok" {
				beats.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 1)
	deadline := time.Now().Add(5 * time.Second)
	for beats.Load() == 0 && time.Now().Before(deadline) {
		_, _ = c.Write([]byte{'x'})
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if beats.Load() == 0 {
		t.Fatal("no heartbeat while bytes passed")
	}
	time.Sleep(300 * time.Millisecond) // a beat may have been in flight
	n := beats.Load()
	time.Sleep(500 * time.Millisecond)
	if got := beats.Load(); got != n {
		t.Errorf("%d heartbeats while idle, want none", got-n)
	}
	select {
	case err := <-errs:
		t.Errorf("error: %v", err)
	default:
	}
}
