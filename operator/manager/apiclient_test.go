package manager

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/client-go/rest"
)

// acceptEncoding is the Accept-Encoding a client built from cfg sends.
func acceptEncoding(t *testing.T, cfg *rest.Config) string {
	t.Helper()
	got := make(chan string, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := rest.CopyConfig(cfg)
	c.Host = srv.URL
	c.Insecure = true
	hc, err := rest.HTTPClientFor(c)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(srv.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return <-got
}

// The manager's client asks for uncompressed responses unless told to; the
// caller's config is not changed.
func TestClientConfigCompression(t *testing.T) {
	caller := &rest.Config{Host: "https://127.0.0.1:1"}
	if enc := acceptEncoding(t, caller); enc != "gzip" {
		t.Fatalf("a plain client-go config should ask for gzip (the premise of this test), sent %q", enc)
	}
	off := clientConfig(caller, Config{})
	if enc := acceptEncoding(t, off); enc != "" {
		t.Fatalf("manager's client sent Accept-Encoding %q, want none", enc)
	}
	if caller.DisableCompression {
		t.Fatal("the caller's config was changed")
	}
	if off.WarningHandlerWithContext == nil {
		t.Fatal("API warnings are not logged")
	}
	on := clientConfig(caller, Config{APICompression: true})
	if enc := acceptEncoding(t, on); enc != "gzip" {
		t.Fatalf("--api-compression: sent Accept-Encoding %q, want gzip", enc)
	}
}
