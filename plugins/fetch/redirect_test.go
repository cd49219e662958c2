package fetch

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return f[host], nil
}

// A module server may redirect within itself, but not to the node
// (loopback), the cloud's metadata service or other link-local hosts.
func TestFetchRefusesRedirectsToInternalHosts(t *testing.T) {
	target := newServer(t)
	url, sum := target.Put("/m.wasm", module)
	old := redirectResolver
	redirectResolver = fakeResolver{
		"localhost":         {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
		"metadata.internal": {netip.MustParseAddr("169.254.169.254")},
		"node.example":      {netip.MustParseAddr("10.0.0.7"), netip.MustParseAddr("127.0.0.1")},
	}
	t.Cleanup(func() { redirectResolver = old })

	for _, to := range []string{
		url, // another server on loopback
		strings.Replace(url, "127.0.0.1", "localhost", 1),
		"https://169.254.169.254/latest/meta-data/iam/",
		"https://metadata.internal/computeMetadata/v1/",
		"https://[fe80::1]/m.wasm",
		"https://[::ffff:127.0.0.1]:1/m.wasm",
		"https://node.example/m.wasm", // one of its addresses is loopback
	} {
		origin := fetchtest.NewHandlerServer(t, http.RedirectHandler(to, http.StatusFound))
		f := newFetcher(t, Options{CAFile: origin.CAFile})
		_, err := f.Fetch(context.Background(), origin.URL+"/m.wasm", sum)
		if err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "loopback, link-local, cloud metadata") {
			t.Errorf("redirect to %s: Fetch = %v; want it refused", to, err)
		}
		if target.Hits("/m.wasm") != 0 {
			t.Fatalf("redirect to %s: the target was fetched", to)
		}
	}

	// Within the server the URL names (its host and port), redirects are
	// followed, even on loopback: the SourcePlugin's author chose it.
	mux := http.NewServeMux()
	mux.Handle("/old.wasm", http.RedirectHandler("/new.wasm", http.StatusMovedPermanently))
	mux.HandleFunc("/new.wasm", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(module) // a short write shows at the client, as a checksum mismatch
	})
	self := fetchtest.NewHandlerServer(t, mux)
	f := newFetcher(t, Options{CAFile: self.CAFile})
	if b, err := f.Fetch(context.Background(), self.URL+"/old.wasm", sum); err != nil || string(b) != string(module) {
		t.Errorf("redirect within the server: Fetch = %v", err)
	}
}
