// Package fetch downloads plugin modules, refuses any bytes but the ones
// their SHA-256 names, and keeps the verified bytes in a directory by
// digest, so a module is downloaded once per (URL, digest) and cache. The
// operator's SourcePlugin controller and `weir ingest` share it.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Defaults of Options.
const (
	DefaultTimeout  = 2 * time.Minute
	DefaultMaxBytes = 64 << 20
)

// Options configure a Fetcher. The zero value is usable.
type Options struct {
	// Dir keeps verified modules as <Dir>/<sha256>.wasm, with a marker
	// per URL that served them; "" keeps none. A cache that cannot be
	// written is skipped, not an error.
	Dir string
	// CAFile is a PEM bundle trusted besides the system's roots, for
	// servers and registries with a private CA.
	CAFile string
	// Timeout bounds one download, redirects and registry round trips
	// included. Default 2 minutes.
	Timeout time.Duration
	// MaxBytes is the largest module accepted. Default 64 MiB.
	MaxBytes int64
}

// Fetcher downloads modules. It is safe for concurrent use; concurrent
// fetches of one module share a download.
type Fetcher struct {
	opts   Options
	caFile []byte // Options.CAFile's PEM
	client *http.Client
	group  singleflight.Group

	mu      sync.Mutex
	clients map[string]*http.Client // by digest of an extra CA bundle
}

// New returns a Fetcher; it fails only when CAFile cannot be used.
func New(opts Options) (*Fetcher, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	var caFile []byte
	if opts.CAFile != "" {
		var err error
		if caFile, err = os.ReadFile(opts.CAFile); err != nil {
			return nil, fmt.Errorf("plugin CA file: %w", err)
		}
	}
	c, err := newHTTPClient(caFile)
	if err != nil {
		return nil, fmt.Errorf("plugin CA file %s: %w", opts.CAFile, err)
	}
	return &Fetcher{opts: opts, caFile: caFile, client: c, clients: map[string]*http.Client{}}, nil
}

// clientFor is the HTTP client that also trusts caBundle (PEM).
func (f *Fetcher) clientFor(caBundle []byte) (*http.Client, error) {
	if len(caBundle) == 0 {
		return f.client, nil
	}
	key := digest(caBundle)
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clients[key]; ok {
		return c, nil
	}
	c, err := newHTTPClient(f.caFile, caBundle)
	if err != nil {
		return nil, fmt.Errorf("caBundle: %w", err)
	}
	f.clients[key] = c
	return c, nil
}

// DigestError says that a module's bytes are not the ones expected.
type DigestError struct {
	URL  string // where the bytes came from, without its query
	Want string // hex SHA-256 expected
	Got  string // hex SHA-256 of what was served
}

func (e *DigestError) Error() string {
	return fmt.Sprintf("module at %s has sha256 %s, but sha256 %s was expected: refusing it", e.URL, e.Got, e.Want)
}

// ErrUnsupported is returned for a URL scheme the fetcher cannot use.
var ErrUnsupported = errors.New("unsupported module URL")

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Fetch returns the module whose SHA-256 is sum (64 lower-case hex
// digits): from the cache when url served it before, else downloaded from
// url (https://... or oci://registry/repository:tag|@sha256:...) and kept
// in the cache. Bytes with another digest are a *DigestError.
func (f *Fetcher) Fetch(ctx context.Context, url, sum string) ([]byte, error) {
	return f.FetchTrusting(ctx, url, sum, nil)
}

// FetchTrusting is Fetch trusting the CAs in caBundle (PEM) too, besides
// the system's roots and Options.CAFile: a SourcePlugin's spec.caBundle.
func (f *Fetcher) FetchTrusting(ctx context.Context, url, sum string, caBundle []byte) ([]byte, error) {
	if !hexDigest.MatchString(sum) {
		return nil, fmt.Errorf("sha256 %q is not 64 lower-case hex digits", sum)
	}
	if b, ok := f.cached(url, sum); ok {
		return b, nil
	}
	client, err := f.clientFor(caBundle)
	if err != nil {
		return nil, err
	}
	v, err, _ := f.group.Do(url+"\x00"+sum+"\x00"+digest(caBundle), func() (any, error) {
		ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
		defer cancel()
		b, err := f.download(ctx, client, url, sum)
		if err != nil {
			return nil, err
		}
		f.store(url, sum, b)
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

func (f *Fetcher) download(ctx context.Context, client *http.Client, url, sum string) ([]byte, error) {
	var b []byte
	var err error
	switch {
	case strings.HasPrefix(url, "https://"):
		b, err = f.fetchHTTPS(ctx, client, url)
	case strings.HasPrefix(url, "oci://"):
		b, err = f.fetchOCI(ctx, client, strings.TrimPrefix(url, "oci://"), sum)
	default:
		return nil, fmt.Errorf("%w %s: want https://... or oci://registry/repository:tag", ErrUnsupported, display(url))
	}
	if err != nil {
		return nil, err
	}
	if got := digest(b); got != sum {
		return nil, &DigestError{URL: display(url), Want: sum, Got: got}
	}
	return b, nil
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// display is url without its user information, query and fragment,
// which may hold credentials (pre-signed URLs), for messages and logs.
func display(url string) string {
	if strings.ContainsAny(url, "?#") {
		return Redact(url) + "?…"
	}
	return Redact(url)
}

func tooLarge(url string, limit int64) error {
	return fmt.Errorf("module at %s is larger than the %d MiB limit", display(url), limit>>20)
}
