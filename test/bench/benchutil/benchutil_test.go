package benchutil

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Scrape reads counters, gauges and histogram sums and counts with their
// labels, as the benchmarks look them up.
func TestScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rest_client_requests_total"}, []string{"method", "code"})
	c.WithLabelValues("POST", "201").Add(3)
	c.WithLabelValues("PATCH", "200").Add(2)
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "process_resident_memory_bytes"})
	g.Set(1 << 20)
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "controller_runtime_reconcile_time_seconds"}, []string{"controller"})
	h.WithLabelValues("run").Observe(0.5)
	h.WithLabelValues("run").Observe(1.5)
	reg.MustRegister(c, g, h)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	samples, err := Scrape(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, s := range samples {
		got[s.Name+"|"+s.Labels["method"]+s.Labels["controller"]] += s.Value
	}
	want := map[string]float64{
		"rest_client_requests_total|POST":                     3,
		"rest_client_requests_total|PATCH":                    2,
		"process_resident_memory_bytes|":                      1 << 20,
		"controller_runtime_reconcile_time_seconds_sum|run":   2,
		"controller_runtime_reconcile_time_seconds_count|run": 2,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func TestProcMemAndErrorLines(t *testing.T) {
	if hwm, rss := ProcMem(os.Getpid()); hwm <= 0 || rss <= 0 || hwm < rss {
		t.Errorf("ProcMem(self) = %v, %v", hwm, rss)
	}
	log := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(log, []byte("{\"level\":\"info\"}\n{\"level\":\"error\",\"msg\":\"x\"}\n2026\tERROR\tx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n := CountErrorLines(log); n != 2 {
		t.Errorf("CountErrorLines = %d, want 2", n)
	}
	if n := CountErrorLines(filepath.Join(t.TempDir(), "missing")); n != -1 {
		t.Errorf("CountErrorLines(missing) = %d, want -1", n)
	}
}
