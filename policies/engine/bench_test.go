package engine

import (
	"context"
	"slices"
	"testing"
	"time"
)

// Speed is measured here, never asserted: `make bench` reports these
// figures (bin/bench-go.txt) and a reader compares medians across runs.

// benchScheduledPostgres is a scheduled PostgreSQL Run as users write them
// (config/samples/postgres-with-secret.yaml): the password comes from a
// Secret through env, a deadline and resources are set. The default
// policies allow it with no warning and no patch.
const benchScheduledPostgres = `{
	"schedule": "30 2 * * *",
	"timeZone": "Europe/London",
	"activeDeadlineSeconds": 3600,
	"env": [{"name": "PG_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "warehouse-db", "key": "password"}}}],
	"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
	"runs": [
		{"postgresql": {"host": "warehouse.db.internal", "port": 5432, "database": "analytics", "user": "marmot_reader", "password": "${PG_PASSWORD}"}}
	]
}`

// benchLiteralPassword is the same Run with the password written in it:
// denied by runs.literal-secret.
const benchLiteralPassword = `{
	"schedule": "30 2 * * *",
	"timeZone": "Europe/London",
	"activeDeadlineSeconds": 3600,
	"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
	"runs": [
		{"postgresql": {"host": "warehouse.db.internal", "port": 5432, "database": "analytics", "user": "marmot_reader", "password": "hunter2"}}
	]
}`

// BenchmarkDecideRun decides a CREATE of a Run with the default bundle.
// Beside ns/op and allocs/op (-benchmem) it reports the distribution of
// single decisions: p50-ns and p99-ns, and decisions/s on one goroutine.
//
//	seed:              the Marmot operator's example: two sources, a
//	                   schedule, IRSA, env and resources (allowed)
//	scheduled-postgres: a scheduled PostgreSQL Run, password from a
//	                   Secret by env secretKeyRef (allowed, no warning)
//	literal-password:  the same with a literal password (denied)
func BenchmarkDecideRun(b *testing.B) {
	e := loaded(b, DefaultBundle())
	for _, c := range []struct {
		name, spec string
		allowed    bool
	}{
		{"seed", seedSpec, true},
		{"scheduled-postgres", benchScheduledPostgres, true},
		{"literal-password", benchLiteralPassword, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			in := runInput(b, c.spec)
			ctx := context.Background()
			// Not a test of the policies, only of the input: the case
			// must decide as its name says, or the figures mean nothing.
			if d := decide(b, e, in); d.Allowed() != c.allowed || len(d.Warnings) > 0 {
				b.Fatalf("%s: allowed=%v warnings=%v, want allowed=%v and no warning", c.name, d.Allowed(), d.Warnings, c.allowed)
			}
			lat := newLatencies()
			b.ReportAllocs()
			for b.Loop() {
				t := time.Now()
				if _, err := e.Decide(ctx, in); err != nil {
					b.Fatal(err)
				}
				lat.add(time.Since(t))
			}
			lat.report(b, "decisions/s")
		})
	}
}

// latencies records the duration of every operation of a benchmark loop
// in a buffer allocated before the loop (b.Loop resets the timer and the
// allocation counters on its first call, so -benchmem is not skewed). Past
// its capacity the oldest samples are overwritten.
type latencies struct {
	d     []time.Duration
	n     int
	total time.Duration
}

const latencySamples = 1 << 20 // 8 MiB; a 2s run of 10µs operations fits

func newLatencies() *latencies {
	return &latencies{d: make([]time.Duration, 0, latencySamples)}
}

func (l *latencies) add(d time.Duration) {
	if len(l.d) < cap(l.d) {
		l.d = append(l.d, d)
	} else {
		l.d[l.n%cap(l.d)] = d
	}
	l.n++
	l.total += d
}

// report adds p50-ns, p99-ns and the throughput (operations per second of
// the measured time, under the given unit) to the benchmark's line.
func (l *latencies) report(b *testing.B, perSecond string) {
	if len(l.d) == 0 {
		return
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	at := func(p float64) float64 { return float64(s[int(p*float64(len(s)-1))].Nanoseconds()) }
	b.ReportMetric(at(0.50), "p50-ns")
	b.ReportMetric(at(0.99), "p99-ns")
	if l.total > 0 {
		b.ReportMetric(float64(l.n)/l.total.Seconds(), perSecond)
	}
}
