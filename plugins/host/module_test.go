package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// collect returns an emit function that records batches.
func collector() (*[][]model.Item, func([]model.Item) error) {
	var mu sync.Mutex
	var batches [][]model.Item
	return &batches, func(items []model.Item) error {
		mu.Lock()
		defer mu.Unlock()
		batches = append(batches, items)
		return nil
	}
}

func cfg(v map[string]any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestGoodModuleDescribes(t *testing.T) {
	opts, _ := testOptions(t)
	m := load(t, "good", opts)
	d, err := m.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "good" || d.Version != "1.0.0" || d.ABI != ABIVersion {
		t.Errorf("description = %s %s abi %d; want good 1.0.0 abi %d", d.ID, d.Version, d.ABI, ABIVersion)
	}
	if len(d.Capabilities) != 1 || d.Capabilities[0] != "network" {
		t.Errorf("capabilities = %v; want [network]", d.Capabilities)
	}
	host := d.ConfigSchema["properties"].(map[string]any)["host"].(map[string]any)
	if host["x-weir-endpoint"] != true {
		t.Errorf("schema lost the endpoint marker: %v", host)
	}
	if len(m.Digest()) != 64 {
		t.Errorf("Digest() = %q; want hex SHA-256", m.Digest())
	}
}

func TestGoodModuleValidates(t *testing.T) {
	opts, _ := testOptions(t)
	m := load(t, "good", opts)
	ctx := context.Background()
	if err := m.Validate(ctx, cfg(map[string]any{"host": "db.example.com"})); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
	err := m.Validate(ctx, cfg(map[string]any{"port": 5432}))
	var se *source.Error
	if !errors.As(err, &se) || se.Message != "host: required" || se.Retryable {
		t.Errorf("Validate(no host) = %#v; want source.Error \"host: required\", not retryable", err)
	}
	err = m.Validate(ctx, json.RawMessage(`[1]`))
	if !errors.As(err, &se) || !strings.Contains(se.Message, "config:") {
		t.Errorf("Validate(array) = %v; want a config error", err)
	}
}

func TestGoodModuleDiscoversOverTCPAndTLS(t *testing.T) {
	caPEM, cert := testCA(t)
	opts, logs := testOptions(t)
	opts.Network.AllowLoopback = true
	opts.RootCAs = caPEM
	m := load(t, "good", opts)
	plain, secure := echoServer(t, nil), echoServer(t, &cert)

	batches, emit := collector()
	err := m.Discover(context.Background(), cfg(map[string]any{
		"host": "127.0.0.1", "port": plain, "tls_port": secure, "batches": 3, "password": "s3cret",
	}), emit)
	if err != nil {
		t.Fatalf("Discover: %v\nlogs:\n%s", err, logs)
	}
	if len(*batches) != 3 {
		t.Fatalf("got %d batches; want 3: %v", len(*batches), *batches)
	}
	for i, b := range *batches {
		want := fmt.Sprintf("mrn://table/test/table_%d", i)
		if len(b) != 2 || b[0].Asset == nil || b[0].Asset.MRN != want || b[1].Lineage == nil ||
			b[1].Lineage.Source != "mrn://database/test/shop" || b[1].Lineage.Target != want {
			t.Errorf("batch %d = %+v; want asset %s and its CONTAINS edge", i, b, want)
		}
	}
	for _, want := range []string{"plugin=good", "msg=discovering", "batches=3", "transport=plain", "transport=tls"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}

	// The certificate is really checked inside the module: verify-full.
	err = m.Discover(context.Background(), cfg(map[string]any{
		"host": "127.0.0.1", "tls_port": secure, "tls_server_name": "wrong.example",
	}), emit)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("TLS with a wrong server name: %v; want a certificate error", err)
	}
	opts.RootCAs = []byte{} // no bundle: the test CA is unknown
	other := load(t, "good", opts)
	err = other.Discover(context.Background(), cfg(map[string]any{"host": "127.0.0.1", "tls_port": secure}), emit)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("TLS without the CA: %v; want a certificate error", err)
	}
}

func TestGoodModuleErrors(t *testing.T) {
	opts, _ := testOptions(t)
	m := load(t, "good", opts)
	ctx := context.Background()
	for _, tt := range []struct {
		fail      string
		retryable bool
		msg       string
	}{
		{"retryable", true, "the database is starting up"},
		{"fatal", false, `schema "missing" not found`},
	} {
		batches, emit := collector()
		err := m.Discover(ctx, cfg(map[string]any{"host": "db", "fail": tt.fail, "batches": 3}), emit)
		var se *source.Error
		if !errors.As(err, &se) || se.Retryable != tt.retryable || se.Message != tt.msg {
			t.Errorf("fail=%s: err = %#v; want source.Error{%q, retryable %v}", tt.fail, err, tt.msg, tt.retryable)
		}
		if len(*batches) != 0 {
			t.Errorf("fail=%s: %d batches emitted", tt.fail, len(*batches))
		}
	}

	// Discover validates first.
	_, emit := collector()
	err := m.Discover(ctx, cfg(map[string]any{}), emit)
	var se *source.Error
	if !errors.As(err, &se) || se.Message != "host: required" {
		t.Errorf("Discover(invalid) = %v; want the validation error", err)
	}

	// The emit callback's error stops discovery and comes back unchanged.
	sinkDown := errors.New("sink is down")
	calls := 0
	err = m.Discover(ctx, cfg(map[string]any{"host": "db", "batches": 3}), func([]model.Item) error {
		calls++
		return sinkDown
	})
	if err != sinkDown || calls != 1 { //nolint:errorlint // Discover returns emit's error unchanged, not wrapped
		t.Errorf("emit failing: err = %v after %d calls; want sinkDown after 1", err, calls)
	}
}

// TestConcurrentRuns runs discoveries side by side: instances are never
// shared, so each sees only its own batches.
func TestConcurrentRuns(t *testing.T) {
	opts, _ := testOptions(t)
	m := load(t, "good", opts)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	counts := make([]int, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batches, emit := collector()
			errs[i] = m.Discover(context.Background(), cfg(map[string]any{"host": "db", "batches": i + 1}), emit)
			counts[i] = len(*batches)
		}()
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil || counts[i] != i+1 {
			t.Errorf("run %d: %d batches, err %v; want %d batches", i, counts[i], errs[i], i+1)
		}
	}
}

// healthy checks that the process can still load and run a module.
func healthy(t *testing.T) {
	t.Helper()
	opts, _ := testOptions(t)
	m := load(t, "good", opts)
	batches, emit := collector()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Discover(ctx, cfg(map[string]any{"host": "db", "batches": 2}), emit); err != nil || len(*batches) != 2 {
		t.Errorf("a good module after a hostile one: %d batches, err %v; want 2 batches", len(*batches), err)
	}
}

// TestLogLimit: past the log budget, output is dropped with one warning;
// the module still runs.
func TestLogLimit(t *testing.T) {
	opts, logs := testOptions(t)
	opts.Limits.Log = 10
	m := load(t, "good", opts)
	batches, emit := collector()
	if err := m.Discover(context.Background(), cfg(map[string]any{"host": "db", "batches": 1}), emit); err != nil || len(*batches) != 1 {
		t.Fatalf("Discover: %d batches, %v", len(*batches), err)
	}
	if n := strings.Count(logs.String(), "plugin log limit reached"); n != 1 || strings.Contains(logs.String(), "discovering") {
		t.Errorf("want the record dropped and one warning:\n%s", logs)
	}
}
