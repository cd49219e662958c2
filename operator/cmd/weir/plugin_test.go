package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/builtin"
	plugindescribe "github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
	"github.com/weir-dev/weir/plugins/host"
)

// runMainEnv makes this test binary act as `weir`, so a test can run the
// real command line in a child process, as the manager does.
const runMainEnv = "WEIR_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The manager's describer: `weir plugin describe` in a child process.
func TestDescribeInAChildProcess(t *testing.T) {
	f := plugindescribe.Command([]string{os.Args[0], "plugin", "describe"}, runMainEnv+"=1")
	ctx := context.Background()
	d, err := f(ctx, fetchtest.MustGoodModule(t), host.Limits{})
	if err != nil || d.ID != "good" || d.ABI != 1 || d.ConfigSchema == nil {
		t.Fatalf("got %+v, %v; want the good module's description", d, err)
	}
	for _, tt := range []struct {
		name   string
		wasm   []byte
		limits host.Limits
		want   string
	}{
		{"not wasm", []byte("not wasm"), host.Limits{}, "is not a valid WebAssembly module"},
		{"memory limit", fetchtest.MustGoodModule(t), host.Limits{Memory: 1 << 20}, "memory limit (1 MiB)"},
	} {
		_, err := f(ctx, tt.wasm, tt.limits)
		var me *plugindescribe.ModuleError
		if !errors.As(err, &me) || !strings.Contains(me.Message, tt.want) {
			t.Errorf("%s: err = %v; want a *ModuleError containing %q", tt.name, err, tt.want)
		}
	}
}

func runPluginDescribe(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := pluginCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append([]string{"describe"}, args...))
	err := cmd.Execute()
	return out.String(), err
}

// A plugin author gets the digest for spec.sha256 and the description.
func TestPluginDescribeCommand(t *testing.T) {
	good := fetchtest.MustGoodModule(t)
	path := filepath.Join(t.TempDir(), "good.wasm")
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runPluginDescribe(t, path)
	if err != nil {
		t.Fatalf("weir plugin describe: %v\n%s", err, out)
	}
	var res plugindescribe.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not a Result: %v\n%s", err, out)
	}
	sum := sha256.Sum256(good)
	if res.SHA256 != hex.EncodeToString(sum[:]) || res.Description.ID != "good" {
		t.Errorf("sha256 %s, id %q; want %x and good", res.SHA256, res.Description.ID, sum)
	}

	bad := filepath.Join(t.TempDir(), "bad.wasm")
	if err := os.WriteFile(bad, []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runPluginDescribe(t, bad)
	var ee exitError
	var f plugindescribe.Failure
	if !errors.As(err, &ee) || ee.code != plugindescribe.ExitModuleError ||
		json.Unmarshal([]byte(out), &f) != nil || !strings.Contains(f.Error, "not a valid WebAssembly module") {
		t.Errorf("bad module: err %v (%T), output %s; want exit code %d and the reason as JSON", err, err, out, plugindescribe.ExitModuleError)
	}
	if _, err := runPluginDescribe(t, filepath.Join(t.TempDir(), "missing.wasm")); err == nil ||
		errors.As(err, &ee) || !strings.Contains(err.Error(), "reading the module") {
		t.Errorf("missing file: err %v; want a read error, exit code 1", err)
	}
}

// The typo denial names a command that prints the built-in source's
// schema: the one data.sources holds in the cluster.
func TestDescribeBuiltinByName(t *testing.T) {
	typo := pgRun(`postgresql: {hots: db.example.com, user: reader, password: "${PG_PASSWORD}"}`)
	out, _ := runPolicy(t, "eval", "-f", filepath.Join(writeFiles(t, map[string]string{"r.yaml": typo}), "r.yaml"))
	m := regexp.MustCompile("see its schema with `weir (plugin describe [a-z]+)`").FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the typo denial names no weir command:\n%s", out)
	}

	cmd := rootCommand()
	var stdout bytes.Buffer
	cmd.SetOut(&stdout)
	cmd.SetArgs(strings.Fields(m[1]))
	t.Chdir(t.TempDir()) // no file named postgresql here
	if err := cmd.Execute(); err != nil {
		t.Fatalf("weir %s: %v", m[1], err)
	}
	var got struct {
		plugindescribe.Result
		Builtin bool `json:"builtin"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	wasm, _ := builtin.Module("postgresql")
	sum := sha256.Sum256(wasm)
	if !got.Builtin || got.Description.ID != "postgresql" || got.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("got builtin=%v id=%q sha256=%s", got.Builtin, got.Description.ID, got.SHA256)
	}
	props, _ := got.Description.ConfigSchema["properties"].(map[string]any)
	if _, ok := props["host"]; !ok || props["hots"] != nil {
		t.Errorf("schema properties %v: want host, not hots", props)
	}
	sources, err := offlineSources(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(sources["postgresql"].(map[string]any)["schema"])
	have, _ := json.Marshal(got.Description.ConfigSchema)
	if string(want) != string(have) {
		t.Errorf("printed schema differs from data.sources.postgresql.schema")
	}

	if _, err := runPluginDescribe(t, "nosuch"); err == nil || !strings.Contains(err.Error(), "reading the module: nosuch is neither a module file nor a built-in source (built in: "+strings.Join(builtin.IDs(), ", ")+")") {
		t.Errorf("unknown name: err = %v", err)
	}
}
