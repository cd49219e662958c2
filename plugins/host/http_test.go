package host

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

// A guest using net/http's Client and Transport over the SDK's dialer,
// plain and over TLS: the Transport reads and writes on two goroutines,
// so a read through the host must not block the module's other
// goroutines. Both requests share one kept-alive connection.
func TestNetHTTPClientInAModule(t *testing.T) {
	var conns atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "orders\ncustomers\n")
	})
	plain := httptest.NewUnstartedServer(handler)
	secure := httptest.NewUnstartedServer(handler)
	for _, s := range []*httptest.Server{plain, secure} {
		s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		}
	}
	plain.Start()
	secure.StartTLS()
	t.Cleanup(plain.Close)
	t.Cleanup(secure.Close)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}))

	opts, logs := testOptions(t)
	opts.Network.AllowLoopback = true
	opts.Limits.RunTime = 30 * time.Second // a regression fails here instead of hanging
	m := load(t, "httpclient", opts)
	for _, tt := range []struct {
		name   string
		config map[string]any
	}{
		{"http", map[string]any{"url": plain.URL + "/tables"}},
		{"https", map[string]any{"url": secure.URL + "/tables", "ca_cert": caPEM}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := conns.Load()
			batches, emit := collector()
			if err := m.Discover(context.Background(), cfg(tt.config), emit); err != nil {
				t.Fatalf("Discover: %v\nlogs:\n%s", err, logs)
			}
			var got []string
			for _, b := range *batches {
				for _, it := range b {
					got = append(got, assetMRN(it))
				}
			}
			sort.Strings(got)
			want := "mrn://table/http/customers_0,mrn://table/http/customers_1,mrn://table/http/orders_0,mrn://table/http/orders_1"
			if strings.Join(got, ",") != want {
				t.Errorf("assets %v; want %s", got, want)
			}
			if n := conns.Load() - before; n != 1 {
				t.Errorf("%d connections for two requests; want 1 (kept alive)", n)
			}
		})
	}
}

func assetMRN(it model.Item) string {
	if it.Asset == nil {
		return fmt.Sprintf("non-asset %+v", it)
	}
	return it.Asset.MRN
}

// A read deadline the module sets holds while its reads are sliced: the
// read ends with a timeout error once the deadline has passed, not at
// the end of a slice and not at the run's limit. So does one set from
// another goroutine during the read (pgx's way to cancel).
func TestSlicedReadKeepsTheModulesDeadline(t *testing.T) {
	port, _ := silentServer(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	opts, logs := testOptions(t)
	opts.Network.AllowLoopback = true
	opts.Limits.RunTime = 30 * time.Second
	m := load(t, "httpclient", opts)
	const after = 300 // ms: many slices
	for key, config := range map[string]map[string]any{
		"deadline":  {"deadline_ms": after},
		"interrupt": {"interrupt_ms": after},
		// A far deadline must not turn into one long wait in the host,
		// which would keep the interrupting goroutine from running.
		"interrupt before a far deadline": {"interrupt_ms": after, "deadline_ms": 15_000},
	} {
		config["url"] = "http://" + addr
		batches, emit := collector()
		err := m.Discover(context.Background(), cfg(config), emit)
		if err != nil {
			t.Fatalf("%s: Discover: %v\nlogs:\n%s", key, err, logs)
		}
		if len(*batches) != 1 || len((*batches)[0]) != 1 || (*batches)[0][0].Asset == nil {
			t.Fatalf("%s: batches %+v; want one asset", key, *batches)
		}
		a := (*batches)[0][0].Asset
		elapsed, _ := a.Metadata["elapsed_ms"].(float64)
		if a.Name != "timeout" || elapsed < after || elapsed >= 15_000 {
			t.Errorf("%s: read ended %q after %vms (%v); want a timeout error after %dms", key, a.Name, elapsed, a.Metadata["error"], after)
		}
	}
}
