package fetch

import (
	"context"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://example.com/m.wasm", "https://example.com/m.wasm"},
		{"https://user:pw@example.com/m.wasm", "https://example.com/m.wasm"},
		{"https://user:p@ss@example.com:8443/m.wasm?x=1", "https://example.com:8443/m.wasm"},
		{"https://bucket.s3.amazonaws.com/m.wasm?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abcdef", "https://bucket.s3.amazonaws.com/m.wasm"},
		{"https://acct.blob.core.windows.net/c/m.wasm?sv=2022&sig=abc%3D", "https://acct.blob.core.windows.net/c/m.wasm"},
		{"https://example.com/m.wasm#token=abc", "https://example.com/m.wasm"},
		{"https://u:pw@example.com", "https://example.com"},
		{"oci://registry.example.com/plugins/pg@sha256:0123", "oci://registry.example.com/plugins/pg@sha256:0123"},
		{"oci://robot:tok@registry.example.com:5000/plugins/pg:v1", "oci://registry.example.com:5000/plugins/pg:v1"},
	} {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactIn(t *testing.T) {
	url := "https://robot:hunter22@example.com/m.wasm?X-Amz-Signature=deadbeef"
	for _, text := range []string{
		"fetching module " + url + ": 403",
		"fetching https://robot:hunter22@example.com/m.wasm: refused",
		"query X-Amz-Signature=deadbeef was rejected",
	} {
		got := RedactIn(text, url)
		if strings.Contains(got, "hunter22") || strings.Contains(got, "deadbeef") {
			t.Errorf("RedactIn(%q) = %q: a secret remains", text, got)
		}
	}
	if got := RedactIn("plain", "https://example.com/m.wasm"); got != "plain" {
		t.Errorf("RedactIn changed a text for a URL without secrets: %q", got)
	}
}

// Errors never show a URL's user information or query.
func TestFetchErrorsHideURLSecrets(t *testing.T) {
	srv := newServer(t)
	f := newFetcher(t, Options{CAFile: srv.CAFile})
	url := strings.Replace(srv.URL, "https://", "https://robot:hunter22@", 1) + "/missing.wasm?sig=deadbeef"
	_, err := f.Fetch(context.Background(), url, fetchtestSum)
	if err == nil || strings.Contains(err.Error(), "hunter22") || strings.Contains(err.Error(), "deadbeef") || !strings.Contains(err.Error(), "/missing.wasm") {
		t.Errorf("Fetch = %v; want an error naming the path without the credentials", err)
	}
}

const fetchtestSum = "0000000000000000000000000000000000000000000000000000000000000000"
