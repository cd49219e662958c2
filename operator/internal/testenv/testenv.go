// Package testenv holds what the controllers' envtest suites share: a count
// of the API writes the manager makes, and series read off the manager's
// metrics registry.
package testenv

import (
	"net/http"
	"sync/atomic"

	dto "github.com/prometheus/client_model/go"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Writes counts the requests other than reads that go through a config it
// wrapped.
type Writes struct{ n atomic.Int64 }

// Wrap returns a copy of cfg whose requests are counted.
func (w *Writes) Wrap(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper { return countWrites{rt, &w.n} })
	return c
}

// Load is the number of writes so far.
func (w *Writes) Load() int64 { return w.n.Load() }

type countWrites struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countWrites) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		c.n.Add(1)
	}
	return c.next.RoundTrip(r)
}

// Metric is the series of name whose labels include labels, from
// controller-runtime's registry (the manager's /metrics); nil when absent.
func Metric(name string, labels map[string]string) (*dto.Metric, error) {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return nil, err
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue series
				}
			}
			return m, nil
		}
	}
	return nil, nil
}
