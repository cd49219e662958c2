package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink/marmottest"
)

const testKey = "key-value-do-not-print"

var fastRetry = Retry{Attempts: 4, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

func newTestClient(t *testing.T, host string, opts Options) *Client {
	t.Helper()
	opts.Host = host
	if opts.TokenFile == "" {
		opts.TokenFile = filepath.Join(t.TempDir(), "no-token")
	}
	if opts.Retry == (Retry{}) {
		opts.Retry = fastRetry
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sealedBatch returns a sealed batch of n tables, each contained in db.
func sealedBatch(t testing.TB, runID string, n int) *Batch {
	t.Helper()
	b, err := NewBatch(t.TempDir(), BatchHeader{PipelineName: "p", SourceName: "src", RunID: runID, Config: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	db := model.Asset{Name: "db", Type: "Database", Providers: []string{"PostgreSQL"}}
	if err := b.AddAsset(&db); err != nil {
		t.Fatal(err)
	}
	for i := range n - 1 {
		a := model.Asset{Name: fmt.Sprintf("t%d", i), Type: "Table", Providers: []string{"PostgreSQL"}, Metadata: map[string]any{"i": i}}
		if err := b.AddAsset(&a); err != nil {
			t.Fatal(err)
		}
		if err := b.AddLineage(&model.Lineage{Source: "mrn://database/postgresql/db", Target: model.MRN("Table", "PostgreSQL", a.Name), Type: "CONTAINS"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Seal(nil); err != nil {
		t.Fatal(err)
	}
	return b
}

// runOnce does what the runner does for one source, and returns the
// first error.
func runOnce(ctx context.Context, t *testing.T, s Sink, n int) (*BatchResult, error) {
	id, err := s.StartRun(ctx, StartRun{PipelineName: "p", SourceName: "src", Config: map[string]any{"host": "db"}})
	if err != nil {
		return nil, err
	}
	b := sealedBatch(t, id, n)
	res, err := s.SendBatch(ctx, b)
	if err != nil {
		return nil, err
	}
	status := StatusCompleted
	if res.Failed() {
		status = StatusFailed
	}
	return res, s.CompleteRun(ctx, CompleteRun{RunID: id, Status: status, Summary: res.Summary(b, time.Second)})
}

func noViolations(t *testing.T, srv *marmottest.Server) {
	t.Helper()
	for _, v := range srv.Violations() {
		t.Errorf("contract violation: %s", v)
	}
}

func TestClientRun(t *testing.T) {
	srv := marmottest.New(marmottest.Options{APIKey: testKey})
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/", Options{APIKey: testKey}) // a trailing slash is dropped
	res, err := runOnce(context.Background(), t, c, 3)
	if err != nil {
		t.Fatal(err)
	}
	noViolations(t, srv)
	if res.AssetsCreated != 3 || res.LineageCreated != 2 || res.AssetResults != 3 || res.Failed() {
		t.Errorf("result = %+v", res)
	}
	var paths []string
	for _, r := range srv.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
		if r.Header.Get("X-API-Key") != testKey || r.Header.Get("Authorization") != "" {
			t.Errorf("%s %s: credential headers %q / %q", r.Method, r.Path, r.Header.Get("X-API-Key"), r.Header.Get("Authorization"))
		}
	}
	want := []string{"POST " + PathStartRun, "POST " + PathBatch, "POST " + PathCompleteRun}
	if !slices.Equal(paths, want) {
		t.Errorf("requests = %v, want %v", paths, want)
	}
	if got := srv.Catalog(); len(got) != 3 {
		t.Errorf("catalogue = %v", got)
	}
	if runs := srv.Runs(); len(runs) != 1 || runs[0].Status != "completed" || runs[0].Summary["total_entities"] != 5 {
		t.Errorf("runs = %+v", runs)
	}
}

func TestClientAuth(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("sa-token-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		server     marmottest.Options
		opts       Options
		wantKey    string
		wantBearer string
	}{
		{name: "API key wins over the token", server: marmottest.Options{APIKey: testKey},
			opts: Options{APIKey: testKey, TokenFile: tokenFile}, wantKey: testKey},
		{name: "service-account token without a key", server: marmottest.Options{BearerToken: "sa-token-1"},
			opts: Options{TokenFile: tokenFile}, wantBearer: "Bearer sa-token-1"},
		{name: "nothing without either", opts: Options{TokenFile: filepath.Join(dir, "missing")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := marmottest.New(tt.server)
			defer srv.Close()
			if _, err := runOnce(context.Background(), t, newTestClient(t, srv.URL, tt.opts), 1); err != nil {
				t.Fatal(err)
			}
			noViolations(t, srv)
			for _, r := range srv.Requests() {
				if r.Header.Get("X-API-Key") != tt.wantKey || r.Header.Get("Authorization") != tt.wantBearer {
					t.Errorf("%s: X-API-Key %q, Authorization %q; want %q, %q", r.Path, r.Header.Get("X-API-Key"), r.Header.Get("Authorization"), tt.wantKey, tt.wantBearer)
				}
			}
		})
	}

	t.Run("token is read again for every request", func(t *testing.T) {
		srv := marmottest.New(marmottest.Options{})
		defer srv.Close()
		c := newTestClient(t, srv.URL, Options{TokenFile: tokenFile})
		if _, err := c.DestroyPipeline(context.Background(), "p"); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tokenFile, []byte("sa-token-2"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DestroyPipeline(context.Background(), "p"); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		if reqs[0].Header.Get("Authorization") != "Bearer sa-token-1" || reqs[1].Header.Get("Authorization") != "Bearer sa-token-2" {
			t.Errorf("Authorization = %q, %q", reqs[0].Header.Get("Authorization"), reqs[1].Header.Get("Authorization"))
		}
	})

	t.Run("refused credentials are not retried and explained", func(t *testing.T) {
		srv := marmottest.New(marmottest.Options{APIKey: "other"})
		defer srv.Close()
		_, err := newTestClient(t, srv.URL, Options{APIKey: testKey}).StartRun(context.Background(), StartRun{PipelineName: "p", SourceName: "s", Config: map[string]any{}})
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 401 || !strings.Contains(err.Error(), "Invalid API key") || !strings.Contains(err.Error(), "user API key") {
			t.Errorf("err = %v", err)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Error("the error shows the API key")
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
	})
}

// attempts counts the requests to path.
func attempts(srv *marmottest.Server, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, path) {
			n++
		}
	}
	return n
}

func TestClientRetries(t *testing.T) {
	unavailable := marmottest.Failure{Status: 503, RetryAfter: "5"} // capped by MaxBackoff
	reset := marmottest.Failure{Reset: true}
	tests := []struct {
		name         string
		method, path string
		failures     []marmottest.Failure
		wantAttempts int
		wantErr      string
	}{
		{name: "start: 503 while plugins load, twice", method: "POST", path: PathStartRun,
			failures: []marmottest.Failure{unavailable, unavailable}, wantAttempts: 3},
		{name: "start: connection reset", method: "POST", path: PathStartRun,
			failures: []marmottest.Failure{reset}, wantAttempts: 2},
		{name: "batch: connection reset before handling", method: "POST", path: PathBatch,
			failures: []marmottest.Failure{reset}, wantAttempts: 2},
		{name: "batch: answer lost after handling; the repeat is identical", method: "POST", path: PathBatch,
			failures: []marmottest.Failure{{Reset: true, AfterProcessing: true}}, wantAttempts: 2},
		{name: "batch: 502 from a proxy", method: "POST", path: PathBatch,
			failures: []marmottest.Failure{{Status: 502}, {Status: 504}}, wantAttempts: 3},
		{name: "batch: 5xx until the attempts run out", method: "POST", path: PathBatch,
			failures: []marmottest.Failure{{Status: 500}, {Status: 500}, {Status: 500}, {Status: 500}}, wantAttempts: 4,
			wantErr: "500 Internal Server Error: Internal Server Error (gave up after 4 attempts)"},
		{name: "batch: 400 is not retried", method: "POST", path: PathBatch,
			failures: []marmottest.Failure{{Status: 400}}, wantAttempts: 1, wantErr: "400 Bad Request"},
		{name: "complete: 503", method: "POST", path: PathCompleteRun,
			failures: []marmottest.Failure{{Status: 503}}, wantAttempts: 2},
		{name: "complete: answer lost after handling; the repeat's refusal means done", method: "POST", path: PathCompleteRun,
			failures: []marmottest.Failure{{Reset: true, AfterProcessing: true}}, wantAttempts: 2},
		{name: "complete: 404 is not retried", method: "POST", path: PathCompleteRun,
			failures: []marmottest.Failure{{Status: 404}}, wantAttempts: 1, wantErr: "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := marmottest.New(marmottest.Options{APIKey: testKey})
			defer srv.Close()
			srv.FailNext(tt.method, tt.path, tt.failures...)
			c := newTestClient(t, srv.URL, Options{APIKey: testKey})
			start := time.Now()
			_, err := runOnce(context.Background(), t, c, 2)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("run failed: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if got := attempts(srv, tt.path); got != tt.wantAttempts {
				t.Errorf("%d attempts of %s, want %d", got, tt.path, tt.wantAttempts)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("took %v: Retry-After was not capped by MaxBackoff", d)
			}
			if tt.wantErr == "" {
				noViolations(t, srv)
				if runs := srv.Runs(); len(runs) != 1 || runs[0].Status != "completed" {
					t.Errorf("runs = %+v", runs)
				}
			}
		})
	}
}

func TestClientDestroy(t *testing.T) {
	srv := marmottest.New(marmottest.Options{APIKey: testKey})
	defer srv.Close()
	srv.AddAsset("my-pipeline", "postgresql", "mrn://table/postgresql/a")
	srv.AddAsset("my-pipeline", "mysql", "mrn://table/mysql/b")
	srv.AddAsset("other", "postgresql", "mrn://table/postgresql/c")
	srv.FailNext("DELETE", PathPipelines+"my-pipeline", marmottest.Failure{Status: 503})
	res, err := newTestClient(t, srv.URL, Options{APIKey: testKey}).DestroyPipeline(context.Background(), "my-pipeline")
	if err != nil {
		t.Fatal(err)
	}
	noViolations(t, srv)
	if res.AssetsDeleted != 2 || !slices.Equal(res.DeletedEntityMRNs, []string{"mrn://table/mysql/b", "mrn://table/postgresql/a"}) {
		t.Errorf("result = %+v", res)
	}
	if got := srv.Catalog(); !slices.Equal(got, []string{"mrn://table/postgresql/c"}) {
		t.Errorf("catalogue = %v", got)
	}
	for _, r := range srv.Requests() {
		if r.Method != "DELETE" || r.Path != "/api/v1/pipelines/my-pipeline" || len(r.Body) != 0 {
			t.Errorf("request %s %s with %d body bytes", r.Method, r.Path, len(r.Body))
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

// TestClientTimeouts checks that a timed-out start is retried and a
// timed-out batch is not, with a server that never answers.
func TestClientTimeouts(t *testing.T) {
	var mu sync.Mutex
	var count [2]int
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leaving, which fails the read
		mu.Lock()
		if r.URL.Path == PathBatch {
			count[1]++
		} else {
			count[0]++
		}
		mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv.URL, Options{RequestTimeout: 50 * time.Millisecond, BatchTimeout: 50 * time.Millisecond, Retry: Retry{Attempts: 3, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}})
	_, err := c.StartRun(context.Background(), StartRun{PipelineName: "p", SourceName: "s", Config: map[string]any{}})
	if err == nil || !strings.Contains(err.Error(), "no complete answer within 50ms (gave up after 3 attempts)") {
		t.Errorf("start: err = %v", err)
	}
	_, err = c.SendBatch(context.Background(), sealedBatch(t, "r", 1))
	if err == nil || !strings.Contains(err.Error(), "no complete answer within 50ms") || strings.Contains(err.Error(), "gave up") {
		t.Errorf("batch: err = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if count != [2]int{3, 1} {
		t.Errorf("attempts (start, batch) = %v, want [3 1]", count)
	}
}

func TestClientRefusesEmptyBatch(t *testing.T) {
	srv := marmottest.New(marmottest.Options{})
	defer srv.Close()
	b, err := NewBatch(t.TempDir(), header)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	must(t, b.Seal(nil))
	if _, err := newTestClient(t, srv.URL, Options{}).SendBatch(context.Background(), b); !errors.Is(err, ErrEmptyBatch) {
		t.Errorf("err = %v, want ErrEmptyBatch", err)
	}
	if len(srv.Requests()) != 0 {
		t.Error("a request was sent")
	}
}

func TestNewClientHost(t *testing.T) {
	for _, host := range []string{"", "marmot:8080", "ftp://marmot", "http://marmot:8080/api/v1", "http://marmot:8080/api/v1/", "http://u:p@marmot", "http://marmot?x=1"} {
		if _, err := NewClient(Options{Host: host}); err == nil {
			t.Errorf("NewClient(%q) succeeded", host)
		} else if strings.Contains(err.Error(), "u:p") {
			t.Errorf("error shows credentials: %v", err)
		}
	}
	c, err := NewClient(Options{Host: "https://marmot.example.com/marmot/"})
	if err != nil || c.base != "https://marmot.example.com/marmot" {
		t.Errorf("base = %q, %v", c.base, err)
	}
}
