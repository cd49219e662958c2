package host

import (
	"io/fs"
	"os"
	"sync"
	"testing/fstest"
)

// Where modules find the CA bundle: Go's crypto/x509 has no default
// bundle path on wasip1, but honours SSL_CERT_FILE, as do most TLS
// libraries.
const (
	certDir  = "/etc/weir-ca"
	certFile = certDir + "/ca-certificates.crt"
)

// systemRoots is this host's CA bundle, read once; nil if none is found.
var systemRoots = sync.OnceValue(func() []byte {
	paths := []string{os.Getenv("SSL_CERT_FILE"),
		"/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine
		"/etc/pki/tls/certs/ca-bundle.crt",   // Fedora, RHEL
		"/etc/ssl/ca-bundle.pem",             // openSUSE
		"/etc/ssl/cert.pem",                  // Alpine, macOS
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			return b
		}
	}
	return nil
})

// certFS holds only the bundle: the module sees no other host file.
func certFS(pem []byte) fs.FS {
	return fstest.MapFS{"ca-certificates.crt": {Data: pem, Mode: 0o444}}
}
