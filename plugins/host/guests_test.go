package host

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
)

// guestNames are the Go test plugins under testdata/, built for wasip1.
var guestNames = []string{"good", "stall", "memory", "dialer", "flood", "crash", "abi2", "httpclient", "envprobe"}

// guests maps a name to its module's bytes; TestMain fills it.
var guests = map[string][]byte{}

// testCache is the compilation cache most tests share, so that each
// module is compiled once per test run; the benchmarks use their own.
var testCache string

func TestMain(m *testing.M) {
	if err := buildGuests(); err != nil {
		fmt.Fprintln(os.Stderr, "building test plugins:", err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "weir-host-test-cache")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildGuests builds each test plugin as a reactor with the go command,
// unless a build of the same sources and toolchain is in the user cache.
func buildGuests() error {
	// go test puts its own toolchain's bin first on PATH.
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command builds the test plugins: %w (add Go's bin directory to PATH)", err)
	}
	version, err := exec.Command(gobin, "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("go env GOVERSION: %w", err)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	for _, name := range guestNames {
		key, err := sourceKey(string(version), filepath.Join("testdata", name), filepath.Join("..", "sdk", "go"), filepath.Join("..", "model"))
		if err != nil {
			return err
		}
		out := filepath.Join(base, "weir-test-plugins", name+"-"+key+".wasm")
		if _, err := os.Stat(out); err != nil {
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			tmp := out + ".tmp" + fmt.Sprint(os.Getpid())
			cmd := exec.Command(gobin, "build", "-buildmode=c-shared", "-o", tmp, "./testdata/"+name)
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("go build %s: %w\n%s", name, err, b)
			}
			if err := os.Rename(tmp, out); err != nil {
				return err
			}
		}
		if guests[name], err = os.ReadFile(out); err != nil {
			return err
		}
	}
	return nil
}

// sourceKey hashes the toolchain version and the Go files (and go.mod)
// a test plugin is built from.
func sourceKey(version string, dirs ...string) (string, error) {
	h := sha256.New()
	h.Write([]byte(version)) // a hash.Hash never returns an error
	var files []string
	for _, d := range dirs {
		fs, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			return "", err
		}
		files = append(files, fs...)
	}
	sort.Strings(files)
	files = append(files, filepath.Join("..", "..", "go.mod"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// syncBuffer collects what modules log, for assertions.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testOptions logs to a buffer the caller may inspect, and into the test's
// output if it fails.
func testOptions(t testing.TB) (Options, *syncBuffer) {
	buf := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("host log:\n%s", buf.String())
		}
	})
	return Options{
		CacheDir: testCache,
		Logger:   slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, buf
}

func load(t testing.TB, name string, opts Options) *Module {
	t.Helper()
	wasm, ok := guests[name]
	if !ok {
		t.Fatalf("no test plugin %q", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := Load(ctx, wasm, opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}
