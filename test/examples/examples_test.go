// Package examples builds the example third-party plugins of
// plugins/examples out of tree, as their authors would (each is its own Go
// module, so the root module's go vet and go test never see it), and runs
// them with the wasm host.
package examples

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// buildExample builds plugins/examples/<name> with GOOS=wasip1 inside its
// own module and returns the wasm. The result is cached under the user's
// cache directory by a digest of the example's and the SDK's sources and
// the Go version, so only a change rebuilds it (Go's own build cache makes
// a rebuild quick too).
func buildExample(t *testing.T, name string) []byte {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "plugins", "examples", name)
	h := sha256.New()
	_, _ = io.WriteString(h, runtime.Version()+"\n")
	// The example and what its replace directive takes from this module.
	for _, d := range []string{dir, filepath.Join(root, "plugins", "sdk"), filepath.Join(root, "plugins", "model"), filepath.Join(root, "plugins", "source"), filepath.Join(root, "go.mod")} {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, ".wasm") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			_, _ = io.WriteString(h, rel+"\n")
			h.Write(b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		cacheDir = os.TempDir()
	}
	out := filepath.Join(cacheDir, "weir-test", "examples", name+"-"+hex.EncodeToString(h.Sum(nil))[:16]+".wasm")
	if b, err := os.ReadFile(out); err == nil {
		t.Logf("%s: cached build %s", name, out)
		return b
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := out + ".tmp"
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", tmp, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared in %s): %v\n%s", name, dir, err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const catalog = `{
  "assets": [
    {"name": "orders", "type": "Table", "description": "All orders",
     "metadata": {"owner": "sales", "rows": 42}, "tags": ["pii"],
     "documentation": "# Orders\nOne row per order."},
    {"name": "order totals", "type": "View"}
  ],
  "unknown": {"skipped": true},
  "lineage": [
    {"source": "orders", "target": "order totals", "type": "DEPENDS_ON"},
    {"source": "mrn://table/postgresql/customers", "target": "orders"}
  ]
}`

// The http-json example, built out of tree against the SDK, runs in the
// sandbox: it describes itself, validates, fetches its document over TLS
// through the host's dialer, and is held to the sandbox's rules.
func TestHTTPJSONExample(t *testing.T) {
	wasm := buildExample(t, "httpjson")
	const token = "s3cret-token"
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, catalog)
	}))
	defer srv.Close()
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))

	ctx := context.Background()
	opts := host.Options{
		CacheDir: t.TempDir(),
		Logger:   slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	}
	m, err := host.Load(ctx, wasm, opts)
	if err != nil {
		t.Fatalf("loading the module: %v", err)
	}
	defer m.Close(ctx)

	desc, err := m.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	props, _ := desc.ConfigSchema["properties"].(map[string]any)
	tokenSchema, _ := props["token"].(map[string]any)
	urlSchema, _ := props["url"].(map[string]any)
	if desc.ID != "http-json" || desc.ABI != host.ABIVersion || !reflect.DeepEqual(desc.Capabilities, []string{"network"}) ||
		tokenSchema["x-weir-secret"] != true || urlSchema["x-weir-endpoint"] != true {
		t.Fatalf("description = %+v", desc)
	}

	if err := m.Validate(ctx, json.RawMessage(`{"ulr": "https://example.com"}`)); err == nil || !strings.Contains(err.Error(), "ulr") {
		t.Errorf("Validate of a typo = %v, want an error naming the key", err)
	}

	config := func(tok string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"url": srv.URL + "/catalog.json", "token": tok, "ca_cert": caPEM, "provider": "Catalog", "timeout_seconds": "20"})
		return b
	}
	var items []model.Item
	if err := m.Discover(ctx, config(token), func(batch []model.Item) error { items = append(items, batch...); return nil }); err != nil {
		t.Fatalf("Discover: %v", err)
	}
	var got []string
	for _, it := range items {
		switch {
		case it.Asset != nil:
			a := it.Asset
			got = append(got, "asset "+a.MRN+" "+a.Name+" "+strings.Join(a.Providers, ","))
			if a.Name == "orders" && (a.Description == nil || *a.Description != "All orders" || a.Metadata["owner"] != "sales" ||
				!reflect.DeepEqual(a.Tags, []string{"pii"}) || len(a.Sources) != 1 || a.Sources[0].Name != "Catalog") {
				t.Errorf("orders = %+v", a)
			}
		case it.Lineage != nil:
			got = append(got, "lineage "+it.Lineage.Source+" -> "+it.Lineage.Target+" "+it.Lineage.Type)
		case it.Documentation != nil:
			got = append(got, "documentation "+it.Documentation.MRN+" "+it.Documentation.Source)
		}
	}
	want := []string{
		"asset mrn://table/catalog/orders orders Catalog",
		"documentation mrn://table/catalog/orders Catalog",
		"asset mrn://view/catalog/order-totals order totals Catalog",
		"lineage mrn://table/catalog/orders -> mrn://view/catalog/order-totals DEPENDS_ON",
		"lineage mrn://table/postgresql/customers -> mrn://table/catalog/orders DIRECT",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("discovered:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A 401 is the config's fault: not retryable.
	err = m.Discover(ctx, config("wrong"), func([]model.Item) error { return nil })
	var se *source.Error
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(err.Error(), "401") {
		t.Errorf("Discover with a wrong token = %v, want a non-retryable error naming the 401", err)
	}

	// The sandbox holds for third-party modules with the default policy:
	// the loopback host the config names is the user's choice and is
	// dialled; a metadata address stays refused even when named.
	opts.Network = host.NetworkPolicy{}
	strict, err := host.Load(ctx, wasm, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close(ctx)
	if err := strict.Discover(ctx, config(token), func([]model.Item) error { return nil }); err != nil {
		t.Errorf("Discover of the loopback URL the config names, default policy = %v, want it allowed", err)
	}
	metadata, _ := json.Marshal(map[string]any{"url": "https://169.254.169.254/latest/meta-data", "token": token,
		"provider": "Catalog", "timeout_seconds": "20"})
	var pe *host.PolicyError
	if err := strict.Discover(ctx, metadata, func([]model.Item) error { return nil }); !errors.As(err, &pe) ||
		!strings.Contains(err.Error(), "sandbox.allowMetadata") {
		t.Errorf("Discover of a metadata URL, default policy = %v, want a *host.PolicyError naming sandbox.allowMetadata", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
