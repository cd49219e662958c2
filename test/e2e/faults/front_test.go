//go:build e2e

package faults

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// front is what a Service in front of the manager's replicas is to the API
// server, on this host: one address whose connections go to the replicas
// in turn, skipping one that refuses the connection (as endpoints drop a
// pod that is gone). TLS passes through untouched: each replica serves its
// own copy of the shared certificate.
type front struct {
	ln   net.Listener
	next atomic.Uint64

	mu       sync.Mutex
	backends []string
	conns    []int // connections each backend took
}

// add puts a replica behind the front.
func (f *front) add(addr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.backends = append(f.backends, addr)
	f.conns = append(f.conns, 0)
}

// served is how many connections each backend took, in the order added.
func (f *front) served() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.conns...)
}

// startFront listens on port; add the replicas as they start.
func startFront(t *testing.T, port int) *front {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	if err != nil {
		t.Fatalf("front on port %d: %v", port, err)
	}
	f := &front{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	return f
}

func (f *front) serve(in net.Conn) {
	defer in.Close()
	f.mu.Lock()
	backends := append([]string(nil), f.backends...)
	f.mu.Unlock()
	first := int(f.next.Add(1))
	for k := range backends {
		i := (first + k) % len(backends)
		out, err := net.DialTimeout("tcp", backends[i], time.Second)
		if err != nil {
			continue
		}
		f.mu.Lock()
		f.conns[i]++
		f.mu.Unlock()
		done := make(chan struct{}, 2)
		go func() { _, _ = io.Copy(out, in); done <- struct{}{} }()
		go func() { _, _ = io.Copy(in, out); done <- struct{}{} }()
		<-done
		out.Close()
		return
	}
}
