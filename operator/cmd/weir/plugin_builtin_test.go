package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/ingest"
)

// declaredSources are the sources with a plugin/ main: every one must be
// built in.
func declaredSources(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../../../plugins/sources/*/plugin")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no plugins/sources/*/plugin found (%v)", err)
	}
	var ids []string
	for _, d := range dirs {
		ids = append(ids, filepath.Base(filepath.Dir(d)))
	}
	slices.Sort(ids)
	return ids
}

func TestPluginListNamesEveryBuiltin(t *testing.T) {
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"plugin", "list"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("line %q: want \"id version\"", line)
		}
		got = append(got, f[0])
	}
	if want := declaredSources(t); !slices.Equal(got, want) {
		t.Fatalf("weir plugin list = %q, want %q", got, want)
	}
}

// Code precompiled into a (read-only in the image) directory and linked
// into a fresh cache is used as is: loading every built-in through the
// fresh cache writes no compiled module of its own.
func TestPrecompiledCacheIsUsedThroughLinks(t *testing.T) {
	ctx := context.Background()
	seed := t.TempDir()
	var out bytes.Buffer
	if err := precompileBuiltins(ctx, &out, seed); err != nil {
		t.Fatal(err)
	}
	ids := builtin.IDs()
	if n := strings.Count(out.String(), "\tcompiled\n"); n != len(ids) {
		t.Fatalf("precompile into an empty directory:\n%s\nwant %d sources compiled", out.String(), len(ids))
	}
	files, err := cacheFiles(seed)
	if err != nil || files < len(ids) {
		t.Fatalf("%d compiled modules in the cache (%v), want at least %d", files, err, len(ids))
	}

	cache := filepath.Join(t.TempDir(), "weir-plugin-cache") // created by seeding, as in a Job's /tmp
	n, err := seedCache(seed, cache)
	if err != nil || n != files {
		t.Fatalf("seedCache linked %d of %d modules: %v", n, files, err)
	}
	if again, err := seedCache(seed, cache); err != nil || again != 0 {
		t.Fatalf("seeding twice linked %d more (%v), want 0", again, err)
	}
	out.Reset()
	if err := precompileBuiltins(ctx, &out, cache); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\tcached\n"); n != len(ids) {
		t.Fatalf("through the seeded cache:\n%s\nwant every source cached", out.String())
	}
	if own, _ := cacheFiles(cache); own != 0 {
		t.Fatalf("the seeded cache holds %d compiled modules of its own, want 0 (links only)", own)
	}
	// `weir ingest` loads the built-ins as precompile did (trusted), so it
	// finds their code: a mismatch would compile (and write) it again.
	for id, src := range builtin.Sources(host.Options{CacheDir: cache}) {
		m, err := host.ModuleOf(ctx, src)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		_ = m.Close(ctx)
	}
	if own, _ := cacheFiles(cache); own != 0 {
		t.Fatalf("ingest's built-ins compiled %d modules despite the precompiled ones: precompile and ingest load them differently", own)
	}
}

// A pipeline's plugins (third-party code) keep wazero's termination
// checks, even though they take the built-ins' options otherwise.
func TestPluginsAreNotTrusted(t *testing.T) {
	srv := fetchtest.NewServer(t)
	url, sum := srv.Put("/good.wasm", fetchtest.MustGoodModule(t))
	t.Setenv("WEIR_PLUGIN_CA_FILE", srv.CAFile)
	load := pluginLoader(t.TempDir(), host.Options{Trusted: true})
	src, err := load("good", ingest.Plugin{URL: url, SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m, err := host.ModuleOf(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	if m.Trusted() {
		t.Fatal("a pipeline's plugin was loaded trusted: pluginLoader must clear host.Options.Trusted")
	}
}

func TestSeedCacheNamesTheSetting(t *testing.T) {
	_, err := seedCache(filepath.Join(t.TempDir(), "absent"), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), builtinCacheEnv) {
		t.Fatalf("seedCache(absent) = %v, want an error naming %s", err, builtinCacheEnv)
	}
}

func TestPrecompileNeedsCacheDir(t *testing.T) {
	root := rootCommand()
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	root.SetArgs([]string{"plugin", "precompile"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "--cache-dir") {
		t.Fatalf("precompile without --cache-dir = %v", err)
	}
}
