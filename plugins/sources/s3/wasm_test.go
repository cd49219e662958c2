package s3

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/host/hosttest"

	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

var (
	wasmOnce sync.Once
	wasmMod  []byte
	wasmErr  error
)

// module builds ./plugin for wasip1 once per test binary, as make
// plugins does.
func module(t *testing.T) []byte {
	t.Helper()
	wasmOnce.Do(func() {
		dir, err := os.MkdirTemp("", "s3-wasm")
		if err != nil {
			wasmErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "s3.wasm")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-buildmode=c-shared", "-o", out, "./plugin")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			wasmErr = errors.New("building the module: " + err.Error() + "\n" + string(b))
			return
		}
		wasmMod, wasmErr = os.ReadFile(out)
	})
	if wasmErr != nil {
		t.Fatal(wasmErr)
	}
	return wasmMod
}

func loadModule(t *testing.T) *host.Module {
	t.Helper()
	return loadModuleWith(t, host.Options{})
}

func loadModuleWith(t *testing.T, opts host.Options) *host.Module {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	m, err := host.Load(ctx, module(t), opts)
	if err != nil {
		t.Fatalf("host.Load: %v", err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

func withoutSyncTimes(items []model.Item) []model.Item {
	for _, it := range items {
		if it.Asset != nil {
			for i := range it.Asset.Sources {
				it.Asset.Sources[i].LastSyncAt = time.Time{}
			}
		}
	}
	return items
}

// The module, in the sandbox, dialling the fake through the host (the
// config names 127.0.0.1 in credentials.endpoint), emits exactly what
// the same code emits natively, refused bucket included.
func TestWasmMatchesNative(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	var objects []string
	for i := 0; i < 1100; i++ {
		objects = append(objects, "p/"+strings.Repeat("k", i%7)+string(rune('a'+i%26))+"/"+time.Duration(i).String())
	}
	f.bucket(t, "many", objects...)
	f.bucket(t, "locked")
	f.locked["locked"] = true
	f.tagging = map[string]string{"many": `<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag></TagSet></Tagging>`}
	raw := f.rawConfig(t, map[string]any{"tags": []string{"s3", "${region}"}})

	native, err := discover(t, mustValidate(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	m := loadModule(t)
	d, err := m.Describe(context.Background())
	if err != nil || !reflect.DeepEqual(d.Capabilities, []string{"network"}) || d.ID != "s3" {
		t.Fatalf("Describe: %+v, %v", d, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wasm []model.Item
	if err := m.Discover(ctx, raw, func(b []model.Item) error { wasm = append(wasm, b...); return nil }); err != nil {
		t.Fatalf("wasm Discover: %v", err)
	}
	w, _ := json.Marshal(withoutSyncTimes(wasm))
	n, _ := json.Marshal(withoutSyncTimes(native))
	if string(w) != string(n) || len(wasm) != 2 {
		t.Fatalf("wasm and native discoveries differ:\nwasm:   %s\nnative: %s", w, n)
	}
}

// Refused listing, a config mistake and the endpoint a region implies,
// through the module.
func TestWasmErrors(t *testing.T) {
	isolate(t)
	f := newFakeS3(t)
	f.refuseList = true
	m := loadModule(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	emit := func([]model.Item) error { return nil }

	err := m.Discover(ctx, f.rawConfig(t, nil), emit)
	var se *source.Error
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Message, "AccessDenied") {
		t.Fatalf("refused listing: %v", err)
	}
	err = m.Validate(ctx, json.RawMessage(`{"credentials": {"endpoint": "minio:9000"}}`))
	if err == nil || !strings.Contains(err.Error(), "credentials.endpoint") {
		t.Fatalf("bad endpoint: %v", err)
	}
	// No endpoint: the SDK goes to AWS's S3 host of the region, which the
	// region implies (the test resolver knows no name, so nothing leaves
	// this machine); refusals of other hosts: host's TestGrantEndpoints.
	res := &hosttest.Resolver{}
	m = loadModuleWith(t, host.Options{Network: host.NetworkPolicy{Resolver: res}})
	err = m.Discover(ctx, json.RawMessage(`{"credentials": {"region": "us-east-1", "id": "a", "secret": "b"}}`), emit)
	var pe *host.PolicyError
	if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), "s3.us-east-1.amazonaws.com") {
		t.Fatalf("region's endpoint: %v; want it dialled, and its name not found", err)
	}
	if len(res.Asked()) == 0 || res.Asked()[0] != "s3.us-east-1.amazonaws.com" {
		t.Fatalf("resolved %v, want s3.us-east-1.amazonaws.com", res.Asked())
	}
}
