package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Inputs are the outputs `make bench` writes, by role; each file is
// optional (a target whose file is missing is "not measured").
const (
	fileGo         = "bench-go.txt"
	fileScale      = "bench-scale.txt"
	fileWorkspaces = "bench-workspaces.txt"
	filePlugins    = "bench-plugins.txt"
	fileMemory     = "bench-memory.txt"
)

// target is one row of issue 15's targets.
type target struct {
	what string
	// file is the output the figure comes from.
	file string
	// value is the measured median in unit; false when not measured.
	value func(f figures) (float64, bool)
	unit  string
	// op and limit are the goal: measured op limit.
	op    string // "<=", ">=", "<"
	limit float64
	// note says how the figure is taken, where the row alone does not.
	note string
	// size, when set, says why a figure taken at another size than the
	// target's does not count as met ("" when the size is the target's).
	size func(f figures) string
}

// met says whether v reaches the goal.
func (t target) met(v float64) bool {
	switch t.op {
	case "<=":
		return v <= t.limit
	case "<":
		return v < t.limit
	case ">=":
		return v >= t.limit
	}
	panic("target " + t.what + ": unknown op " + t.op)
}

func (t target) goal() string {
	op := map[string]string{"<=": "≤", "<": "<", ">=": "≥"}[t.op]
	limit := num(t.limit)
	if t.limit != math.Trunc(t.limit) && t.limit >= 100 {
		limit = strconv.FormatFloat(t.limit, 'f', -1, 64) // 212.5, not 212
	}
	return fmt.Sprintf("%s %s %s", op, limit, t.unit)
}

// fig is the median of one figure, times scale.
func fig(name string, scale float64) func(figures) (float64, bool) {
	return func(f figures) (float64, bool) {
		v, ok := f.median(name)
		return v * scale, ok
	}
}

// first is the first of several ways to read a figure that is there: a
// program's own "<name> <value>" line before the table row parsed out of
// its human-readable output.
func first(ways ...func(figures) (float64, bool)) func(figures) (float64, bool) {
	return func(f figures) (float64, bool) {
		for _, w := range ways {
			if v, ok := w(f); ok {
				return v, true
			}
		}
		return 0, false
	}
}

// minus is a − b, when both are there.
func minus(a, b func(figures) (float64, bool)) func(figures) (float64, bool) {
	return func(f figures) (float64, bool) {
		x, ok1 := a(f)
		y, ok2 := b(f)
		return x - y, ok1 && ok2
	}
}

// issueAllocs is the default-bundle decision's allocations issue 15
// measured; the target is a tenth of it.
const issueAllocs = 2125

// targets are issue 15's, in its order.
var targets = []target{
	{what: "Policy decision p99, typical Run (run/seed-sources)", file: fileGo, value: fig("BenchmarkDecision/run/seed-sources p99-ns", 1e-3), unit: "µs", op: "<=", limit: 50},
	{what: "Policy decision p99, typical Workspace (workspace/template)", file: fileGo, value: fig("BenchmarkDecision/workspace/template p99-ns", 1e-3), unit: "µs", op: "<=", limit: 50},
	{what: "Policy decisions per second, one goroutine (run/seed-sources)", file: fileGo, unit: "/s", op: ">=", limit: 20000,
		value: first(fig("BenchmarkDecision/run/seed-sources decisions/cpu-s", 1), fig("BenchmarkDecision/run/seed-sources decisions/s", 1)),
		note:  "per CPU-second of the benchmark process, GC included, which a loaded machine does not inflate; wall-clock decisions/s beside it in bench-go.txt"},
	{what: "Policy decision allocations (run/seed-sources), issue: 2,125", file: fileGo, value: fig("BenchmarkDecision/run/seed-sources allocs/op", 1), unit: "allocs", op: "<=", limit: issueAllocs / 10.0},
	{what: "Run create p99, webhooks on / off (kwok)", file: fileScale, value: fig("admission_p99_ratio", 1), unit: "×", op: "<=", limit: 1.2},
	{what: "PostgreSQL source, wasm / native (2,000 tables × 20 columns)", file: filePlugins, value: fig("postgresql_wasm_native_ratio", 1), unit: "×", op: "<=", limit: 1.3},
	{what: "PostgreSQL module instantiate, precompiled cache", file: filePlugins, value: fig("instantiate_ms_cached", 1), unit: "ms", op: "<=", limit: 100},
	{what: "1,000 Runs: time to converge", file: fileScale, value: fig("scale_converge_s", 1), unit: "s", op: "<=", limit: 15},
	{what: "1,000 Runs: API writes per Run besides Events", file: fileScale, unit: "writes", op: "<=", limit: 3,
		value: first(fig("scale_writes_per_run_besides_events", 1), minus(fig("scale_writes_per_run_converge", 1), fig("scale_events_per_run", 1))),
		note:  "to converge: children and status, as the issue counts; Events taken out; the finalizer comes with the create (mutating webhook; with WEBHOOKS=0 the controller patches it: one more); a one-off Job finishing later adds its Run's final status write (the output's \"to settle\"); webhooks on unless WEBHOOKS=0"},
	{what: "1,000 Runs: Events per Run", file: fileScale, value: fig("scale_events_per_run", 1), unit: "Events", op: "<=", limit: 1},
	{what: "1,000 Runs: operator CPU to converge", file: fileScale, value: fig("scale_cpu_s", 1), unit: "s", op: "<", limit: 5.0,
		note: "webhooks on unless WEBHOOKS=0; upstream's 5.0 s had none"},
	{what: "1,000 Runs: API writes at rest", file: fileScale, value: fig("scale_idle_writes", 1), unit: "writes", op: "<=", limit: 0},
	{what: "1,000 Workspaces: time to converge", file: fileWorkspaces, value: fig("workspaces_converge_s", 1), unit: "s", op: "<=", limit: 15,
		note: "every child exists and every status is current, as for Runs; until every pod is ready (the cluster's part too) is available_seconds in the output"},
	{what: "1,000 Workspaces: API writes per Workspace besides Events", file: fileWorkspaces, unit: "writes", op: "<=", limit: 3,
		value: first(fig("workspaces_writes_per_workspace_besides_events", 1), fig("workspaces_writes_per_workspace", 1)),
		note:  "to converge; Events included unless the output separates them; claim, Service and Deployment are 3 writes before any status (the finalizer comes with the create, from the mutating webhook; with WEBHOOKS=0 the controller patches it: one more)"},
	{what: "1,000 Workspaces: Events per Workspace", file: fileWorkspaces, value: fig("workspaces_events_per_workspace", 1), unit: "Events", op: "<=", limit: 1},
	{what: "1,000 Workspaces: operator CPU to converge", file: fileWorkspaces, value: fig("workspaces_cpu_s", 1), unit: "s", op: "<", limit: 5.0,
		note: "webhooks on unless WEBHOOKS=0"},
	{what: "1,000 Workspaces: API writes at rest", file: fileWorkspaces, value: fig("workspaces_idle_writes", 1), unit: "writes", op: "<=", limit: 0},
	{what: "Manager RSS, 10,000 Runs + 5,000 Workspaces", file: fileMemory, value: first(fig("rss_mib_steady", 1), fig("rss_mib_peak", 1)), unit: "MiB", op: "<=", limit: 150,
		size: atLeast(map[string]float64{"memory_runs": 10000, "memory_workspaces": 5000})},
	{what: "Ingest into Marmot (test sink)", file: filePlugins, value: fig("ingest_assets_per_s", 1), unit: "assets/s", op: ">=", limit: 5000},
}

// atLeast says which counts a figure was taken below (none: the target's size).
func atLeast(want map[string]float64) func(figures) string {
	return func(f figures) string {
		var short []string
		for _, name := range []string{"memory_runs", "memory_workspaces"} {
			low, ok := want[name]
			if !ok {
				continue
			}
			if v, have := f.median(name); !have || v < low {
				got := "unknown"
				if have {
					got = num(v)
				}
				short = append(short, fmt.Sprintf("%s %s", strings.TrimPrefix(name, "memory_"), got))
			}
		}
		if len(short) == 0 {
			return ""
		}
		return "taken at " + strings.Join(short, ", ") + ", below the target's size"
	}
}
