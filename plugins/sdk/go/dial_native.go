//go:build !wasip1

package sdk

import (
	"context"
	"net"
)

// dial natively is a plain net.Dialer, for tests and benchmarks of a
// plugin outside the sandbox.
func dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
