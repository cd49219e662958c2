package sourceplugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/plugins/fetch"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
)

// Every limit the host reports is read back from its error's message, the
// only thing the describe child process hands back; other errors are none.
func TestLimitHitReadsTheHostsMessage(t *testing.T) {
	for l, want := range limitLabels {
		msg := (&host.LimitError{Module: "sha256:abc", Limit: l, Value: "1 MiB", Detail: "growing memory"}).Error()
		if got := limitHit(msg); got != want {
			t.Errorf("limitHit(%q) = %q; want %q", msg, got, want)
		}
	}
	for _, msg := range []string{"plugin x crashed in describe: unreachable", "not a valid WebAssembly module", ""} {
		if got := limitHit(msg); got != "" {
			t.Errorf("limitHit(%q) = %q; want none", msg, got)
		}
	}
}

// A module the sandbox stops for its memory while describing it counts one
// hit of weir_source_plugin_limit_hits_total{limit="memory"}; a module
// that fails otherwise counts none.
func TestLoadCountsLimitHits(t *testing.T) {
	wasm := []byte("\x00asm fake")
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(wasm) }))
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	f, err := fetch.New(fetch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	for _, tt := range []struct {
		name string
		err  error
		want float64
	}{
		{"memory", &describe.ModuleError{Message: (&host.LimitError{Module: "m", Limit: host.LimitMemory, Value: "1 MiB"}).Error()}, 1},
		{"crash", &describe.ModuleError{Message: (&host.CrashError{Module: "m", Call: "describe", Cause: "unreachable"}).Error()}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := testutil.ToFloat64(limitHits.WithLabelValues("memory"))
			r := &reconciler{fetcher: f, memo: map[string]memoEntry{}, failures: map[string]int{},
				describe: func(context.Context, []byte, host.Limits) (model.Description, error) {
					return model.Description{}, tt.err
				}}
			sp := &pluginsv1.SourcePlugin{Spec: pluginsv1.SourcePluginSpec{URL: srv.URL + "/m.wasm", SHA256: hex.EncodeToString(sum[:]), CABundle: string(ca)}}
			sp.Name = "p-" + tt.name
			out := r.load(context.Background(), sp)
			if out.reason != pluginsv1.ReasonInvalidModule {
				t.Fatalf("reason = %s (%s); want %s", out.reason, out.message, pluginsv1.ReasonInvalidModule)
			}
			if got := testutil.ToFloat64(limitHits.WithLabelValues("memory")) - before; got != tt.want {
				t.Errorf("memory limit hits went up by %v; want %v", got, tt.want)
			}
		})
	}
}
