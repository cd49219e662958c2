package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/sink/marmottest"
	"github.com/weir-dev/weir/plugins/source"
)

const digestA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func TestLoadPlugins(t *testing.T) {
	p, err := Load(writeFile(t, `name: p
runs:
  - mysource: {host: db}
plugins:
  mysource:
    url: https://example.com/mysource.wasm
    sha256: `+digestA+`
    limits: {memory: 134217728, callTimeout: 30s, runTimeout: 2h, outputBytes: 1048576}
  other:
    url: oci://ghcr.io/acme/other:1.0
    sha256: `+digestA+`
    caBundle: |
      -----BEGIN CERTIFICATE-----
      MIIB
      -----END CERTIFICATE-----
`), mapLookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Plugin{URL: "https://example.com/mysource.wasm", SHA256: digestA,
		Limits: PluginLimits{Memory: 128 << 20, CallTimeout: 30 * time.Second, RunTimeout: 2 * time.Hour, OutputBytes: 1 << 20}}
	if p.Plugins["mysource"] != want || p.Plugins["other"].URL != "oci://ghcr.io/acme/other:1.0" || len(p.Plugins) != 2 ||
		p.Plugins["other"].CABundle != "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" {
		t.Errorf("plugins = %+v", p.Plugins)
	}
}

func TestLoadPluginsRefusesMistakes(t *testing.T) {
	_, err := Load(writeFile(t, `name: p
runs:
  - a: {}
plugins:
  Bad-ID: {url: https://x/y.wasm, sha256: `+digestA+`}
  http: {url: http://x/y.wasm, sha256: `+digestA+`}
  short: {url: https://x/y.wasm, sha256: abc}
  nourl: {sha256: `+digestA+`}
  extra: {url: https://x/y.wasm, sha256: `+digestA+`, mirror: https://z}
  limits: {url: https://x/y.wasm, sha256: `+digestA+`, limits: {memory: -1, callTimeout: forever, cpu: 2}}
  list: [1]
  ca: {url: https://x/y.wasm, sha256: `+digestA+`, caBundle: not a certificate}
`), mapLookup(nil))
	if err == nil {
		t.Fatal("Load accepted bad plugins")
	}
	for _, w := range []string{
		`plugins.Bad-ID: a source id is lower-case`,
		`plugins.http.url: must be https://... or oci://`,
		`plugins.short.sha256: must be the module's SHA-256`,
		`plugins.nourl.url: required`,
		`plugins.extra.mirror: unknown field`,
		`plugins.limits.limits.memory: must be a positive number of bytes`,
		`plugins.limits.limits.callTimeout: must be a positive duration`,
		`plugins.limits.limits.cpu: unknown limit`,
		`plugins.list: must be an object with url and sha256, got a list`,
		`plugins.ca.caBundle: must be PEM certificates`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

// A value of the wrong type is named once, with its fix, and the entry's
// other values are still checked; a key set to nothing is no default; a
// key in the wrong case is unknown.
func TestLoadPluginsRefusesWrongTypes(t *testing.T) {
	_, err := Load(writeFile(t, `name: p
runs:
  - a: {}
plugins:
  mem: {url: https://x/y.wasm, sha256: abc, limits: {memory: 128Mi}}
  num: {url: 5, sha256: `+digestA+`}
  lim: {url: https://x/y.wasm, sha256: `+digestA+`, limits: [1]}
  zero: {url: "", sha256: `+digestA+`, limits: {outputBytes: 0, runTimeout: ""}}
  case: {URL: https://x/y.wasm, sha256: `+digestA+`, limits: {Memory: 1}}
`), mapLookup(nil))
	if err == nil {
		t.Fatal("Load accepted bad plugins")
	}
	for w, n := range map[string]int{
		`plugins.mem.limits.memory: must be a positive number of bytes`:                              1,
		`plugins.mem.sha256: must be the module's SHA-256`:                                           1,
		`plugins.num.url: must be a string`:                                                          1,
		`plugins.num.url: required`:                                                                  0,
		`plugins.lim.limits: must be an object with memory, callTimeout, runTimeout and outputBytes`: 1,
		`plugins.zero.url: must be https://... or oci://`:                                            1,
		`plugins.zero.limits.outputBytes: must be a positive number of bytes`:                        1,
		`plugins.zero.limits.runTimeout: must be a positive duration`:                                1,
	} {
		if got := strings.Count(err.Error(), w); got != n {
			t.Errorf("error has %q %d times, want %d:\n%v", w, got, n, err)
		}
	}
}

func TestPluginsBecomeSources(t *testing.T) {
	srv := marmottest.New(marmottest.Options{APIKey: testAPIKey})
	defer srv.Close()
	var loaded []string
	mine := &fakeSource{batches: tables(1, 2)}
	load := func(id string, p Plugin) (source.Source, error) {
		loaded = append(loaded, id+" "+p.URL)
		return mine, nil
	}
	pipeline := "name: p\nruns:\n  - mine: {}\nplugins:\n  mine: {url: https://x/mine.wasm, sha256: " + digestA + "}\n"
	o := ingestWithPlugins(t, Registry{"postgresql": &fakeSource{}}, load, srv.URL, pipeline)
	if o.err != nil {
		t.Fatalf("ingest: %v\n%s", o.err, o.stderr)
	}
	if len(loaded) != 1 || loaded[0] != "mine https://x/mine.wasm" {
		t.Errorf("loaded %q", loaded)
	}
	if _, n := mine.calls(); n != 1 {
		t.Errorf("the plugin's source ran %d times, want 1", n)
	}

	// A plugin cannot replace a built-in, and nothing is sent.
	taken := "name: p\nruns:\n  - postgresql: {}\nplugins:\n  postgresql: {url: https://x/pg.wasm, sha256: " + digestA + "}\n"
	before := len(srv.Requests())
	o = ingestWithPlugins(t, Registry{"postgresql": &fakeSource{}}, load, srv.URL, taken)
	if o.err == nil || !strings.Contains(o.err.Error(), "plugins: postgresql: built-in source ids cannot be replaced") {
		t.Errorf("ingest = %v, want the built-in refused", o.err)
	}
	if len(srv.Requests()) != before {
		t.Errorf("requests were sent for a refused pipeline")
	}
	// Without a loader, plugins are refused.
	o = ingestWithPlugins(t, Registry{}, nil, srv.URL, pipeline)
	if o.err == nil || !strings.Contains(o.err.Error(), "cannot load plugin modules") {
		t.Errorf("ingest without a loader = %v", o.err)
	}
}
