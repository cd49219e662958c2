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

// ScrapeFigures files each metric under its controller (or work queue)
// and sums the write methods.
func TestScrapeFigures(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rest_client_requests_total"}, []string{"method", "code"})
	c.WithLabelValues("POST", "201").Add(3)
	c.WithLabelValues("PATCH", "200").Add(2)
	c.WithLabelValues("GET", "200").Add(7)
	r := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "controller_runtime_reconcile_total"}, []string{"controller", "result"})
	r.WithLabelValues("run", "success").Add(4)
	r.WithLabelValues("run", "requeue").Add(1)
	r.WithLabelValues("workspace", "success").Add(2)
	q := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "workqueue_queue_duration_seconds"}, []string{"name"})
	q.WithLabelValues("run").Observe(3)
	cpu := prometheus.NewCounter(prometheus.CounterOpts{Name: "process_cpu_seconds_total"})
	cpu.Add(1.5)
	reg.MustRegister(c, r, q, cpu)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	f, err := ScrapeFigures(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if f.TotalWrites() != 5 || f.Reconciles["run"] != 5 || f.Reconciles["workspace"] != 2 ||
		f.QueueSum["run"] != 3 || f.QueueCount["run"] != 1 || f.CPU != 1.5 {
		t.Errorf("figures: writes %v, reconciles %v, queue %v/%v, cpu %v", f.TotalWrites(), f.Reconciles, f.QueueSum, f.QueueCount, f.CPU)
	}
}

func TestProcStatus(t *testing.T) {
	st := ProcStatus(os.Getpid())
	if st["VmRSS"] <= 0 || st["RssAnon"] <= 0 || st["RssAnon"]+st["RssFile"] > st["VmRSS"]+st["RssShmem"]+1 {
		t.Errorf("ProcStatus(self) = VmRSS %v, RssAnon %v, RssFile %v", st["VmRSS"], st["RssAnon"], st["RssFile"])
	}
	if len(ProcStatus(0)) != 0 {
		t.Error("ProcStatus(0) read something")
	}
}
