package sdk

import (
	"context"
	"net"
	"time"
)

// Dialer opens TCP connections. In a wasm module they go through the
// host, which allows only the endpoints the validated config names and
// resolves names itself; natively it is a net.Dialer. TLS runs inside
// the plugin on top of the returned net.Conn, so certificate checks
// (e.g. PostgreSQL's sslmode=verify-full) work as usual.
type Dialer struct {
	// Timeout bounds each dial; zero leaves it to ctx and the host.
	Timeout time.Duration
}

// DialContext connects to addr ("host:port") on network "tcp", "tcp4"
// or "tcp6". Its signature matches pgconn.DialFunc.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if d != nil && d.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.Timeout)
		defer cancel()
	}
	return dial(ctx, network, addr)
}

// Dial is DialContext without a context.
func (d *Dialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext dials with the zero Dialer.
func DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return dial(ctx, network, addr)
}

// LookupHost returns host unchanged. Names are resolved by the host when
// it dials, after checking them against the config, and the dial goes to
// the address it checked; a plugin that resolved names itself would have
// to dial bare IPs, which the config does not name. Its signature matches
// pgconn.LookupFunc, so pass it to pgx along with DialContext.
func LookupHost(_ context.Context, host string) ([]string, error) {
	return []string{host}, nil
}
