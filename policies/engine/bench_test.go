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

// BenchmarkDecision decides a CREATE with the default bundle. Beside ns/op
// and allocs/op (-benchmem) it reports the distribution of single
// decisions: p50-ns and p99-ns, and decisions/s on one goroutine (run with
// GOMAXPROCS=1 for the figure of one core; docs/performance.md), and the
// CPU per decision, cpu-ns/op and decisions/cpu-s, which a machine busy
// with other work does not inflate.
//
//	run/seed:               the Marmot operator's example: two sources, a
//	                        schedule, IRSA, env and resources (allowed)
//	run/seed-sources:       the same with data.sources as the operator
//	                        publishes it (each source's config checked
//	                        against its schema): the typical Run in a cluster
//	run/scheduled-postgres: a scheduled PostgreSQL Run, password from a
//	                        Secret by env secretKeyRef (allowed, no warning)
//	run/literal-password:   the same with a literal password (denied)
//	workspace/template:     the upstream Workspace that names the production
//	                        template, the template in related (patched)
//	workspace/plain:        the upstream minimal Workspace, no template
//	cold/...:               run/seed-sources and workspace/template with
//	                        the memo of pure functions and the kept
//	                        json.match_schema results off: every call
//	                        computed, as for a request unlike any before it
//	                        (the others repeat one request, so after the
//	                        first decision the memo answers every call)
//	reference/...:          run/seed-sources and workspace/template on the
//	                        reference path (the engine before lazy input and
//	                        constant rules; differential_test.go), measured
//	                        beside the engine's for a before/after
func BenchmarkDecision(b *testing.B) {
	def := loaded(b, DefaultBundle())
	sources := loaded(b, withSources(DefaultBundle(), builtinSources(b)))
	// cold engines: the same bundles without the memo of pure functions.
	coldDef := loaded(b, DefaultBundle())
	coldSources := loaded(b, withSources(DefaultBundle(), builtinSources(b)))
	for _, e := range []*Engine{coldDef, coldSources} {
		for _, cb := range e.cur.Load().bundles {
			cb.memo = nil
			cb.values = newValueCache(context.Background(), false)
		}
	}
	template := sample(b, templateSample)
	withTemplate := workspaceInput(sample(b, "workspace_v1alpha1_workspace_with_template.yaml"), template)
	plain := workspaceInput(sample(b, "workspace_v1alpha1_workspace.yaml"), nil)
	type want struct{ allowed, warned, patched bool }
	for _, c := range []struct {
		name      string
		e         *Engine
		in        Input
		want      want
		reference bool
	}{
		{"run/seed", def, runInput(b, seedSpec), want{allowed: true}, false},
		{"run/seed-sources", sources, runInput(b, seedSpec), want{allowed: true}, false},
		{"run/scheduled-postgres", def, runInput(b, benchScheduledPostgres), want{allowed: true}, false},
		{"run/literal-password", def, runInput(b, benchLiteralPassword), want{}, false},
		{"workspace/template", def, withTemplate, want{allowed: true, patched: true}, false},
		{"workspace/plain", def, plain, want{allowed: true, patched: true}, false},
		{"cold/run/seed-sources", coldSources, runInput(b, seedSpec), want{allowed: true}, false},
		{"cold/workspace/template", coldDef, withTemplate, want{allowed: true, patched: true}, false},
		{"reference/run/seed-sources", sources, runInput(b, seedSpec), want{allowed: true}, true},
		{"reference/workspace/template", def, withTemplate, want{allowed: true, patched: true}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			decide := c.e.Decide
			if c.reference {
				decide = c.e.decideReference
			}
			// Not a test of the policies, only of the input: the case
			// must decide as its name says, or the figures mean nothing.
			d, err := decide(ctx, c.in)
			if err != nil {
				b.Fatal(err)
			}
			if got := (want{d.Allowed(), len(d.Warnings) > 0, len(d.Patch) > 0}); got != c.want {
				b.Fatalf("%s: decided %+v (%+v), want %+v", c.name, got, d, c.want)
			}
			lat := newLatencies()
			b.ReportAllocs()
			cpu0, cpuOK := cpuTime()
			for b.Loop() {
				t := time.Now()
				if _, err := decide(ctx, c.in); err != nil {
					b.Fatal(err)
				}
				lat.add(time.Since(t))
			}
			if cpu1, ok := cpuTime(); ok && cpuOK {
				reportCPU(b, cpu1-cpu0, "decisions/cpu-s")
			}
			lat.report(b, "decisions/s")
		})
	}
}

// reportCPU adds cpu-ns/op, the process's CPU time (all threads, the
// garbage collector's included) per operation, and the operations per
// CPU-second under the given unit. On a loaded machine the wall-clock
// figures include waiting for a core; these do not, so a before/after on
// a shared machine compares these.
func reportCPU(b *testing.B, cpu time.Duration, perCPUSecond string) {
	if b.N == 0 || cpu <= 0 {
		return
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), perCPUSecond)
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
