// Package hosttest holds test doubles for code that runs modules through
// plugins/host.
package hosttest

import (
	"context"
	"net"
	"net/netip"
	"sync"
)

// Resolver answers no name, recording the ones asked: a dial that gets as
// far as resolving was allowed by the sandbox, and nothing leaves the
// machine.
type Resolver struct {
	mu    sync.Mutex
	asked []string
}

// LookupNetIP records host and answers "no such host".
func (r *Resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, host)
	return nil, &net.DNSError{Err: "no such host (test resolver)", Name: host, IsNotFound: true}
}

// Asked returns the names looked up so far, in order.
func (r *Resolver) Asked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.asked...)
}
