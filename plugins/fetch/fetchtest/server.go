// Package fetchtest serves plugin modules over HTTPS with a test CA, and
// builds a real test plugin, for the tests of the fetcher's users (the
// SourcePlugin controller, the Run controller, `weir ingest`).
package fetchtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
)

// Server serves files over HTTPS. Clients trust it through CAFile.
type Server struct {
	*httptest.Server
	// CAFile is the PEM file of the server's certificate, for
	// --plugin-ca-file or WEIR_PLUGIN_CA_FILE.
	CAFile string

	mu    sync.Mutex
	files map[string][]byte
	hits  map[string]int
}

// T is what the helpers need of a test: *testing.T, or GinkgoT().
type T interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// NewServer starts a server with no files, stopped when the test ends.
func NewServer(t T) *Server {
	t.Helper()
	s := &Server{files: map[string][]byte{}, hits: map[string]int{}}
	s.start(t, http.HandlerFunc(s.serve))
	return s
}

// NewHandlerServer serves h instead of files (Put does nothing useful).
func NewHandlerServer(t T, h http.Handler) *Server {
	t.Helper()
	s := &Server{files: map[string][]byte{}, hits: map[string]int{}}
	s.start(t, h)
	return s
}

func (s *Server) start(t T, h http.Handler) {
	t.Helper()
	s.Server = httptest.NewTLSServer(h)
	t.Cleanup(s.Close)
	dir, err := os.MkdirTemp("", "weir-fetchtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s.CAFile = filepath.Join(dir, "ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(s.CAFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Put serves b at path (which starts with /) and returns its URL and
// SHA-256.
func (s *Server) Put(path string, b []byte) (url, sum string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = b
	return s.URL + path, SHA256(b)
}

// Hits is how many times path was requested.
func (s *Server) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	b, ok := s.files[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/wasm")
	_, _ = w.Write(b)
}

// SHA256 is the hex SHA-256 of b, as a SourcePlugin's spec.sha256.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
