package postgresql

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
)

// DialFunc opens a network connection, like net.Dialer.DialContext. In a
// wasm guest it is the host's sandboxed dialer; nil means a plain
// net.Dialer. It is called with network "tcp" and addr "<host>:<port>" of
// the config, unresolved: name resolution is the dialer's job.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// connConfig is the pgx configuration for database: everything comes from
// cfg (nothing from PG* environment variables or files), the connection
// goes through dial, and TLS, when on, runs in pgx over the dialed
// connection.
func connConfig(cfg Config, tlsConf *tls.Config, database string, dial DialFunc) (*pgx.ConnConfig, error) {
	pc, err := pgx.ParseConfig("sslmode=disable")
	if err != nil {
		return nil, err
	}
	pc.Host = cfg.Host
	pc.Port = uint16(cfg.Port)
	pc.User = cfg.User
	pc.Password = cfg.Password
	pc.Database = database
	pc.TLSConfig = tlsConf
	pc.Fallbacks = nil
	pc.ConnectTimeout = 0 // the caller's context bounds connecting
	pc.ValidateConnect = nil
	pc.AfterConnect = nil
	pc.KerberosSrvName, pc.KerberosSpn = "", ""
	pc.RuntimeParams = map[string]string{
		"application_name":  "weir-postgresql",
		"statement_timeout": "30000", // as upstream
	}
	if dial == nil {
		d := &net.Dialer{KeepAlive: 5 * time.Minute}
		dial = d.DialContext
	}
	pc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) { return dial(ctx, network, addr) }
	// Hand the host name to the dialer as it is: the sandbox resolves it
	// and checks the address it dials.
	pc.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	// Upstream uses the simple protocol (no prepared statements: works
	// through poolers such as PgBouncer); results come back as text.
	pc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	pc.StatementCacheCapacity = 0
	pc.DescriptionCacheCapacity = 0
	return pc, nil
}

// tlsConfig is the TLS configuration for cfg.SSLMode, with libpq's
// meaning: require encrypts without checking the certificate (but checks
// the chain, like verify-ca, when a root certificate is given);
// verify-ca checks the chain; verify-full also checks that the
// certificate names the host. Nil for disable.
func tlsConfig(cfg Config) (*tls.Config, error) {
	if cfg.SSLMode == SSLDisable {
		return nil, nil
	}
	var roots *x509.CertPool // nil: the system's roots
	if cfg.SSLRootCert != "" {
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM([]byte(cfg.SSLRootCert)) {
			return nil, errors.New("ssl_root_cert: no PEM certificate found")
		}
	}
	switch cfg.SSLMode {
	case SSLVerifyFull:
		return &tls.Config{ServerName: cfg.Host, RootCAs: roots, MinVersion: tls.VersionTLS12}, nil
	case SSLRequire:
		if roots == nil {
			return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, nil //nolint:gosec // sslmode=require
		}
		fallthrough
	case SSLVerifyCA:
		return &tls.Config{
			// The chain is checked below, the name is not.
			InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection
			MinVersion:         tls.VersionTLS12,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return errors.New("the server sent no certificate")
				}
				opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
				for _, c := range cs.PeerCertificates[1:] {
					opts.Intermediates.AddCert(c)
				}
				if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
					return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
				}
				return nil
			},
		}, nil
	}
	return nil, errors.New("ssl_mode: must be one of disable, require, verify-ca, verify-full")
}

// connect opens a connection to database, within ConnectTimeout.
func (d *discoverer) connect(ctx context.Context, database string) (*pgx.Conn, error) {
	pc, err := connConfig(d.cfg, d.tls, database, d.dial)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	return pgx.ConnectConfig(ctx, pc)
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}
