package benchutil

import (
	"context"
	"fmt"
	"os"
	"time"
)

// WriteMethods are the HTTP methods counted as API writes.
var WriteMethods = []string{"POST", "PUT", "PATCH", "DELETE"}

// Figures is one scrape of the operator's metrics: what the scale
// benchmarks count, the per-controller ones keyed by controller-runtime's
// controller (or work queue) name.
type Figures struct {
	At         time.Time
	Writes     map[string]float64 // rest_client_requests_total by method
	Reconciles map[string]float64 // controller_runtime_reconcile_total
	Errors     map[string]float64 // controller_runtime_reconcile_errors_total
	RecSum     map[string]float64 // controller_runtime_reconcile_time_seconds_sum
	RecCount   map[string]float64 // controller_runtime_reconcile_time_seconds_count
	QueueSum   map[string]float64 // workqueue_queue_duration_seconds_sum
	QueueCount map[string]float64 // workqueue_queue_duration_seconds_count
	Workers    map[string]float64 // controller_runtime_max_concurrent_reconciles
	RSS        float64            // process_resident_memory_bytes
	HeapInuse  float64            // go_memstats_heap_inuse_bytes
	CPU        float64            // process_cpu_seconds_total
}

// TotalWrites is the sum of the write methods' requests.
func (f Figures) TotalWrites() float64 {
	t := 0.0
	for _, m := range WriteMethods {
		t += f.Writes[m]
	}
	return t
}

// ScrapeFigures reads url's metrics into Figures.
func ScrapeFigures(ctx context.Context, url string) (Figures, error) {
	f := Figures{At: time.Now()}
	maps := []*map[string]float64{&f.Writes, &f.Reconciles, &f.Errors, &f.RecSum, &f.RecCount, &f.QueueSum, &f.QueueCount, &f.Workers}
	for _, m := range maps {
		*m = map[string]float64{}
	}
	samples, err := Scrape(ctx, url)
	if err != nil {
		return f, err
	}
	for _, s := range samples {
		ctrl := s.Labels["controller"]
		switch s.Name {
		case "rest_client_requests_total":
			f.Writes[s.Labels["method"]] += s.Value
		case "controller_runtime_reconcile_total":
			f.Reconciles[ctrl] += s.Value
		case "controller_runtime_reconcile_errors_total":
			f.Errors[ctrl] += s.Value
		case "controller_runtime_reconcile_time_seconds_sum":
			f.RecSum[ctrl] += s.Value
		case "controller_runtime_reconcile_time_seconds_count":
			f.RecCount[ctrl] += s.Value
		case "workqueue_queue_duration_seconds_sum":
			f.QueueSum[s.Labels["name"]] += s.Value
		case "workqueue_queue_duration_seconds_count":
			f.QueueCount[s.Labels["name"]] += s.Value
		case "controller_runtime_max_concurrent_reconciles":
			f.Workers[ctrl] = s.Value
		case "process_resident_memory_bytes":
			f.RSS = s.Value
		case "go_memstats_heap_inuse_bytes":
			f.HeapInuse = s.Value
		case "process_cpu_seconds_total":
			f.CPU = s.Value
		}
	}
	return f, nil
}

// MustScrapeFigures retries ScrapeFigures for 5 s (the operator may be
// starting), then exits the program named prog.
func MustScrapeFigures(ctx context.Context, url, prog string) Figures {
	var last error
	for range 20 {
		f, err := ScrapeFigures(ctx, url)
		if err == nil {
			return f
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "%s: metrics: %v\n", prog, last)
	os.Exit(1)
	return Figures{}
}
