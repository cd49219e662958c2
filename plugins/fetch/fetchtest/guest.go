package fetchtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
)

// GoodID is the id the good test plugin describes itself with.
const GoodID = "good"

var good struct {
	once sync.Once
	b    []byte
	err  error
}

// GoodModule returns plugins/host/testdata/good built for wasip1: a plugin
// with id "good" that, given {"host": "...", "batches": n}, emits n
// tables without dialing anything. The build is kept in the user cache
// dir, keyed by its sources and toolchain, so it costs once.
func GoodModule() ([]byte, error) {
	good.once.Do(func() { good.b, good.err = buildGood() })
	return good.b, good.err
}

// MustGoodModule is GoodModule, failing t if the module cannot be built.
func MustGoodModule(t T) []byte {
	t.Helper()
	b, err := GoodModule()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func buildGood() ([]byte, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("fetchtest: cannot locate the sources")
	}
	plugins := filepath.Join(filepath.Dir(file), "..", "..")
	// go test puts its own toolchain's bin first on PATH.
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("fetchtest: the go command builds the good test plugin: %w (add Go's bin directory to PATH)", err)
	}
	key, err := sourceKey(runtime.Version(), filepath.Join(plugins, "..", "go.mod"),
		filepath.Join(plugins, "host", "testdata", "good"), filepath.Join(plugins, "sdk", "go"), filepath.Join(plugins, "model"))
	if err != nil {
		return nil, err
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	out := filepath.Join(base, "weir-test-plugins", "fetchtest-good-"+key+".wasm")
	if b, err := os.ReadFile(out); err == nil {
		return b, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	tmp := fmt.Sprintf("%s.tmp%d", out, os.Getpid())
	cmd := exec.Command(gobin, "build", "-buildmode=c-shared", "-o", tmp, "./host/testdata/good")
	cmd.Dir = plugins
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build the good test plugin: %w\n%s", err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// sourceKey hashes the toolchain version, go.mod and the Go files of dirs.
func sourceKey(version, gomod string, dirs ...string) (string, error) {
	files := []string{gomod}
	for _, d := range dirs {
		fs, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			return "", err
		}
		files = append(files, fs...)
	}
	sort.Strings(files[1:])
	h := sha256.New()
	h.Write([]byte(version)) // a hash.Hash never returns an error
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
