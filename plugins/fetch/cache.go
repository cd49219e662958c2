package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
)

// The cache keeps each module once, as <Dir>/<sha256>.wasm, and an empty
// marker <Dir>/<sha256>.<hash of a URL>.url for each URL that was seen to
// serve it. A module counts as cached for a URL only with that URL's
// marker: a SourcePlugin whose URL is broken must not look fine because
// another URL served the same bytes, since Job pods fetch by URL.

func (f *Fetcher) path(sum string) string { return filepath.Join(f.opts.Dir, sum+".wasm") }

func (f *Fetcher) marker(url, sum string) string {
	h := sha256.Sum256([]byte(url))
	return filepath.Join(f.opts.Dir, sum+"."+hex.EncodeToString(h[:8])+".url")
}

// cached returns the module with digest sum that url served before. A
// file whose bytes do not match (a torn write, tampering) is removed and
// missed.
func (f *Fetcher) cached(url, sum string) ([]byte, bool) {
	if f.opts.Dir == "" {
		return nil, false
	}
	if _, err := os.Stat(f.marker(url, sum)); err != nil {
		return nil, false
	}
	b, err := os.ReadFile(f.path(sum))
	if err != nil {
		return nil, false
	}
	if digest(b) != sum {
		_ = os.Remove(f.path(sum))
		return nil, false
	}
	return b, true
}

// store keeps verified bytes, written to a temporary file and renamed so
// readers never see part of a module, and notes that url served them.
// Failures only cost a later download.
func (f *Fetcher) store(url, sum string, b []byte) {
	if f.opts.Dir == "" {
		return
	}
	if err := os.MkdirAll(f.opts.Dir, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(f.opts.Dir, ".fetch-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), f.path(sum)) != nil {
		_ = os.Remove(tmp.Name())
		return
	}
	_ = os.WriteFile(f.marker(url, sum), nil, 0o644)
}
