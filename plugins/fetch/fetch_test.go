package fetch

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

var module = []byte("\x00asm\x01\x00\x00\x00 not really a plugin, but bytes with a digest")

func newServer(t *testing.T) *fetchtest.Server { return fetchtest.NewServer(t) }

func newFetcher(t *testing.T, o Options) *Fetcher {
	t.Helper()
	f, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFetchVerifiesAndCaches(t *testing.T) {
	srv := newServer(t)
	url, sum := srv.Put("/m.wasm", module)
	dir := t.TempDir()
	f := newFetcher(t, Options{Dir: dir, CAFile: srv.CAFile})
	got, err := f.Fetch(context.Background(), url, sum)
	if err != nil || !bytes.Equal(got, module) {
		t.Fatalf("Fetch = %q, %v", got, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, sum+".wasm")); err != nil || !bytes.Equal(b, module) {
		t.Fatalf("cache file: %v", err)
	}
	// Another fetcher on the same directory (the next process) does not
	// download again.
	again := newFetcher(t, Options{Dir: dir, CAFile: srv.CAFile})
	if got, err := again.Fetch(context.Background(), url, sum); err != nil || !bytes.Equal(got, module) {
		t.Fatalf("cached Fetch = %v", err)
	}
	if n := srv.Hits("/m.wasm"); n != 1 {
		t.Errorf("module downloaded %d times, want 1", n)
	}
	// The same bytes are cached for the URL that served them only: a
	// broken URL must not pass for a good one.
	if _, err := again.Fetch(context.Background(), srv.URL+"/missing.wasm", sum); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Fetch(another URL) = %v, want it downloaded (404)", err)
	}
	mirror, _ := srv.Put("/mirror.wasm", module)
	if _, err := again.Fetch(context.Background(), mirror, sum); err != nil || srv.Hits("/mirror.wasm") != 1 {
		t.Errorf("Fetch(mirror) = %v after %d downloads, want 1", err, srv.Hits("/mirror.wasm"))
	}
	if wasm, _ := filepath.Glob(filepath.Join(dir, "*.wasm")); len(wasm) != 1 {
		t.Errorf("cache holds %q, want the module once", wasm)
	}
}

func TestFetchRefusesOtherBytes(t *testing.T) {
	srv := newServer(t)
	url, _ := srv.Put("/m.wasm", module)
	want := fetchtest.SHA256([]byte("the module the author published"))
	dir := t.TempDir()
	f := newFetcher(t, Options{Dir: dir, CAFile: srv.CAFile})
	_, err := f.Fetch(context.Background(), url+"?token=secret", want)
	var de *DigestError
	if !errors.As(err, &de) {
		t.Fatalf("Fetch = %v, want a *DigestError", err)
	}
	if de.Want != want || de.Got != fetchtest.SHA256(module) {
		t.Errorf("DigestError = %+v", de)
	}
	for _, w := range []string{want, fetchtest.SHA256(module), "refusing", srv.URL + "/m.wasm"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the URL's query: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused bytes were cached: %v", entries)
	}
}

func TestFetchIgnoresATamperedCache(t *testing.T) {
	srv := newServer(t)
	url, sum := srv.Put("/m.wasm", module)
	dir := t.TempDir()
	f := newFetcher(t, Options{Dir: dir, CAFile: srv.CAFile})
	if _, err := f.Fetch(context.Background(), url, sum); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, sum+".wasm"), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Fetch(context.Background(), url, sum); err != nil || !bytes.Equal(got, module) {
		t.Fatalf("Fetch = %q, %v", got, err)
	}
	if n := srv.Hits("/m.wasm"); n != 2 {
		t.Errorf("downloaded %d times, want 2 (the cache file went bad)", n)
	}
}

func TestFetchCapsTheSize(t *testing.T) {
	srv := newServer(t)
	big := bytes.Repeat([]byte("x"), 4096)
	url, sum := srv.Put("/big.wasm", big)
	f := newFetcher(t, Options{CAFile: srv.CAFile, MaxBytes: 1024})
	if _, err := f.Fetch(context.Background(), url, sum); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("announced size: Fetch = %v, want a size error", err)
	}
	// A body without Content-Length is cut at the limit too.
	stream := fetchtest.NewHandlerServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for range 8 {
			if _, err := w.Write(big[:512]); err != nil {
				return // the client cut the body at its limit, as it should
			}
			w.(http.Flusher).Flush()
		}
	}))
	streamed := newFetcher(t, Options{MaxBytes: 1024, CAFile: stream.CAFile})
	if _, err := streamed.Fetch(context.Background(), stream.URL+"/s.wasm", sum); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("streamed body: Fetch = %v, want a size error", err)
	}
}

func TestFetchNeedsHTTPSAndTrust(t *testing.T) {
	srv := newServer(t)
	url, sum := srv.Put("/m.wasm", module)
	f := newFetcher(t, Options{CAFile: srv.CAFile})
	for _, u := range []string{"http://example.com/m.wasm", "file:///etc/passwd", "ftp://x/m.wasm"} {
		if _, err := f.Fetch(context.Background(), u, sum); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Fetch(%s) = %v, want ErrUnsupported", u, err)
		}
	}
	untrusting := newFetcher(t, Options{})
	if _, err := untrusting.Fetch(context.Background(), url, sum); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: Fetch = %v, want a certificate error", err)
	}
	redirect := fetchtest.NewHandlerServer(t, http.RedirectHandler("http://"+strings.TrimPrefix(url, "https://"), http.StatusFound))
	rf := newFetcher(t, Options{CAFile: redirect.CAFile})
	if _, err := rf.Fetch(context.Background(), redirect.URL+"/m.wasm", sum); err == nil || !strings.Contains(err.Error(), "https only") {
		t.Errorf("redirect to http: Fetch = %v, want a refusal", err)
	}
	if _, err := f.Fetch(context.Background(), url, "ABC"); err == nil {
		t.Error("a malformed sha256 was accepted")
	}
	missing := srv.URL + "/missing.wasm"
	if _, err := f.Fetch(context.Background(), missing, sum); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Fetch(missing) = %v, want the status", err)
	}
}

func TestNewRefusesABadCAFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bad, []byte("not PEM"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{bad, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := New(Options{CAFile: f}); err == nil {
			t.Errorf("New(CAFile %s) succeeded", f)
		}
	}
}

// A SourcePlugin's caBundle is trusted for its own fetch only, over
// https and from an OCI registry alike.
func TestFetchTrustingACABundle(t *testing.T) {
	srv := newServer(t)
	url, sum := srv.Put("/m.wasm", module)
	ca, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	f := newFetcher(t, Options{})
	if got, err := f.FetchTrusting(context.Background(), url, sum, ca); err != nil || !bytes.Equal(got, module) {
		t.Fatalf("FetchTrusting with the server's CA = %q, %v", got, err)
	}
	other := newFetcher(t, Options{})
	if _, err := other.Fetch(context.Background(), url, sum); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("the bundle was trusted beyond its fetch: Fetch = %v, want a certificate error", err)
	}
	if _, err := other.FetchTrusting(context.Background(), url, sum, []byte("not PEM")); err == nil || !strings.Contains(err.Error(), "caBundle: no PEM certificate") {
		t.Errorf("FetchTrusting with a bad bundle = %v, want an error naming caBundle", err)
	}

	reg := newRegistry()
	rsrv := fetchtest.NewHandlerServer(t, reg)
	reg.push(t, "1.0.0", "application/vnd.oci.image.manifest.v1+json", module)
	rca, err := os.ReadFile(rsrv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	ref := "oci://" + strings.TrimPrefix(rsrv.URL, "https://") + "/" + repoName + ":1.0.0"
	if got, err := newFetcher(t, Options{}).FetchTrusting(context.Background(), ref, sum, rca); err != nil || !bytes.Equal(got, module) {
		t.Errorf("FetchTrusting(%s) with the registry's CA = %q, %v", ref, got, err)
	}
}
