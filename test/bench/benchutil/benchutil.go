// Package benchutil holds what the scale benchmarks (test/bench/scale,
// test/bench/workspaces) read off the operator: its Prometheus metrics, its
// memory from /proc and the error lines of its log.
package benchutil

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Sample is one counter, gauge or summary/histogram sum or count of a scrape,
// named as in the text format (histogram parts as <name>_sum, <name>_count).
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Scrape reads url's metrics (Prometheus text format, parsed by expfmt).
func Scrape(ctx context.Context, url string) ([]Sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%s: %s: %s", url, resp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	var out []Sample
	for name, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			add := func(n string, v float64) { out = append(out, Sample{Name: n, Labels: labels, Value: v}) }
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				add(name, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(name, m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				add(name, m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM:
				add(name+"_sum", m.GetHistogram().GetSampleSum())
				add(name+"_count", float64(m.GetHistogram().GetSampleCount()))
			case dto.MetricType_SUMMARY:
				add(name+"_sum", m.GetSummary().GetSampleSum())
				add(name+"_count", float64(m.GetSummary().GetSampleCount()))
			}
		}
	}
	return out, nil
}

// ProcMem reads VmHWM (peak RSS) and VmRSS of a process, in bytes; zeros
// when pid is 0 or the process is gone.
func ProcMem(pid int) (hwm, rss float64) {
	st := ProcStatus(pid)
	return st["VmHWM"], st["VmRSS"]
}

// ProcStatus reads the kB fields of /proc/<pid>/status (VmHWM, VmRSS,
// RssAnon, RssFile, ...) in bytes; empty when pid is 0 or the process is
// gone.
func ProcStatus(pid int) map[string]float64 {
	out := map[string]float64{}
	if pid == 0 {
		return out
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return out
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[strings.TrimSuffix(f[0], ":")] = kb * 1024
		}
	}
	return out
}

// CountErrorLines counts the error lines of a controller-runtime log (JSON
// or console encoding); -1 when the file cannot be read.
func CountErrorLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"level":"error"`) || strings.Contains(sc.Text(), "\tERROR\t") {
			n++
		}
	}
	return n
}

// CreateAll creates objects 0..count-1 with the given number of workers,
// retrying transient errors; an existing object counts as created.
func CreateAll(ctx context.Context, c client.Client, workers, count int, obj func(int) client.Object) error {
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= count {
					return
				}
				err := c.Create(ctx, obj(i))
				for try := 0; err != nil && !apierrors.IsAlreadyExists(err) && try < 5; try++ {
					time.Sleep(200 * time.Millisecond)
					err = c.Create(ctx, obj(i))
				}
				if err != nil && !apierrors.IsAlreadyExists(err) {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("%d objects were not created: %v", f, firstErr.Load())
	}
	return nil
}
