package postgresql

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/source"
)

// usesTLS connects as the source would and asks the server whether the
// connection is encrypted.
func usesTLS(t *testing.T, cfg Config, dial DialFunc) (bool, error) {
	t.Helper()
	tlsConf, err := tlsConfig(cfg)
	if err != nil {
		return false, err
	}
	d := &discoverer{cfg: cfg, tls: tlsConf, dial: dial}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := d.connect(ctx, "postgres")
	if err != nil {
		return false, err
	}
	defer closeConn(conn)
	var ssl bool
	err = conn.QueryRow(ctx, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl)
	return ssl, err
}

func TestTLS(t *testing.T) {
	s := server(t)
	ca := string(s.CACertPEM)
	// Dials 127.0.0.1 whatever the configured host: the host name in the
	// config is what the certificate is checked against.
	redirect := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	}
	for _, c := range []struct {
		name     string
		host     string
		settings map[string]any
		tls      bool
		err      string // "" when the connection must work
	}{
		{"disable", "127.0.0.1", map[string]any{"ssl_mode": "disable"}, false, ""},
		{"require without CA", "127.0.0.1", map[string]any{"ssl_mode": "require"}, true, ""},
		{"verify-full by address", "127.0.0.1", map[string]any{"ssl_mode": "verify-full", "ssl_root_cert": ca}, true, ""},
		{"verify-full by name", "localhost", map[string]any{"ssl_mode": "verify-full", "ssl_root_cert": ca}, true, ""},
		{"verify-full, unknown CA", "127.0.0.1", map[string]any{"ssl_mode": "verify-full"}, false, "certificate signed by unknown authority"},
		{"verify-full, wrong name", "db.example.invalid", map[string]any{"ssl_mode": "verify-full", "ssl_root_cert": ca}, false, "not db.example.invalid"},
		{"verify-ca, wrong name", "db.example.invalid", map[string]any{"ssl_mode": "verify-ca", "ssl_root_cert": ca}, true, ""},
		{"verify-ca, unknown CA", "127.0.0.1", map[string]any{"ssl_mode": "verify-ca"}, false, "certificate signed by unknown authority"},
		{"require with CA checks the chain", "db.example.invalid", map[string]any{"ssl_mode": "require", "ssl_root_cert": otherCA(t)}, false, "certificate signed by unknown authority"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := configFor(t, s, s.Superuser, s.Password, c.settings)
			cfg.Host = c.host
			ssl, err := usesTLS(t, cfg, redirect)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("connecting: %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("connecting: %v, want an error containing %q", err, c.err)
			case c.err == "" && ssl != c.tls:
				t.Fatalf("ssl = %v, want %v", ssl, c.tls)
			}
		})
	}
}

// A whole discovery over verify-full, and a failed one that says why and
// that retrying will not help.
func TestDiscoverVerifyFull(t *testing.T) {
	s := server(t)
	cfg := configFor(t, s, shop.Reader, shop.ReaderPassword, map[string]any{"ssl_mode": "verify-full", "ssl_root_cert": string(s.CACertPEM)})
	got := discover(t, cfg, nil)
	plain := discover(t, configFor(t, s, shop.Reader, shop.ReaderPassword, nil), nil)
	diffLists(t, "assets over TLS and without", hashed(t, got.Assets), hashed(t, plain.Assets))

	cfg.SSLRootCert = ""
	_, err := tryDiscover(cfg, nil)
	var serr *source.Error
	if !errors.As(err, &serr) || serr.Retryable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unknown CA: %v, want a non-retryable *source.Error about the certificate", err)
	}
}

// otherCA is a CA certificate that signed nothing.
func otherCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "another CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
