package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// figures are the numbers one bench output holds, by name; several values
// of a name (go test -count 5, outputs appended) are all kept, and the
// table shows their median.
type figures map[string][]float64

func (f figures) add(name string, v float64) { f[name] = append(f[name], v) }

// median of name's values; false when there is none.
func (f figures) median(name string) (float64, bool) {
	vs := f[name]
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// machineLine is the "<name> <value>" line the bench programs print for
// this table (test/bench/admission, memory, plugins): a lower-case name of
// letters, digits and underscores, one space, a number.
var machineLine = regexp.MustCompile(`^([a-z][a-z0-9_]*) (-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)$`)

// workspacesLine is hack/bench-workspaces.sh's "bench-workspaces <key>
// <value>" line; workspacesNames maps its keys to the table's names.
var workspacesLine = regexp.MustCompile(`^bench-workspaces ([a-z][a-z0-9_]*) (-?[0-9]+(?:\.[0-9]+)?)$`)

var workspacesNames = map[string]string{
	"converge_seconds":                    "workspaces_converge_s",
	"writes_per_workspace":                "workspaces_writes_per_workspace",
	"writes_per_workspace_besides_events": "workspaces_writes_per_workspace_besides_events",
	"events_per_workspace":                "workspaces_events_per_workspace",
	"cpu_seconds_to_converge":             "workspaces_cpu_s",
	"writes_at_rest":                      "workspaces_idle_writes",
}

// parseMachine reads the "<name> <value>" lines of any output, and the
// Workspace benchmark's "bench-workspaces <key> <value>" lines.
func parseMachine(r io.Reader) figures {
	f := figures{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := machineLine.FindStringSubmatch(line); m != nil {
			if v, err := strconv.ParseFloat(m[2], 64); err == nil {
				f.add(m[1], v)
			}
		} else if m := workspacesLine.FindStringSubmatch(line); len(m) == 3 && workspacesNames[m[1]] != "" {
			if v, err := strconv.ParseFloat(m[2], 64); err == nil {
				f.add(workspacesNames[m[1]], v)
			}
		}
	}
	return f
}

// parseGoBench reads `go test -bench -benchmem` output: each benchmark
// line's metrics as "<Benchmark name without -GOMAXPROCS> <unit>", e.g.
// "BenchmarkDecision/run/seed-sources p99-ns". Packages are not part of
// the name: the names the table asks for are unique.
func parseGoBench(r io.Reader) figures {
	f := figures{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // not a result line (a log line that starts with the name)
		}
		name := trimProcs(fields[0])
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			f.add(name+" "+fields[i+1], v)
		}
	}
	return f
}

// trimProcs drops the -N GOMAXPROCS suffix go test adds to a name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// textRule finds a figure in a human-readable table row: the first number
// after the row's label (tabwriter turned its tabs into spaces).
type textRule struct {
	name  string
	label *regexp.Regexp
	// unless, when set, makes a matching line not count: a figure the
	// program printed although it did not reach what it measures.
	unless string
	// once: only the rule's first match counts (a label the output repeats
	// for other things after it); otherwise every match does, so the
	// outputs of several runs appended in one file give their median.
	once bool
}

// number after a label: "time to converge   12.34 s (…)".
func after(label string) *regexp.Regexp {
	return regexp.MustCompile(`^\s*` + regexp.QuoteMeta(label) + `\s+(-?[0-9]+(?:\.[0-9]+)?)`)
}

// parseText applies rules to each line; every match of a rule counts (the
// scale and workspace programs print each row once per run), or the first
// only for a rule marked once.
func parseText(r io.Reader, rules []textRule) figures {
	f := figures{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, rule := range rules {
			if _, seen := f[rule.name]; seen && rule.once {
				continue
			}
			if rule.unless != "" && strings.Contains(line, rule.unless) {
				continue
			}
			if m := rule.label.FindStringSubmatch(line); m != nil {
				if v, err := strconv.ParseFloat(m[1], 64); err == nil {
					f.add(rule.name, v)
				}
			}
		}
	}
	return f
}

// The rows of test/bench/scale's and test/bench/workspaces' summaries the
// table reads, when their outputs have no "<name> <value>" line for them.
// notReached is how the scale programs mark a time they gave up at.
const notReached = "NOT REACHED"

var (
	scaleRules = []textRule{
		{"scale_converge_s", after("time to converge"), notReached, false},
		{"scale_writes_per_run_converge", after("API writes per Run, to converge"), "", false},
		{"scale_writes_per_run_settle", after("API writes per Run, to settle"), "", false},
		{"scale_events_per_run", regexp.MustCompile(`^\s*of which events\.k8s\.io Events\s+[0-9]+ objects \(([0-9.]+) per Run`), "", false},
		{"scale_cpu_s", after("operator CPU, to converge"), "", false},
		{"scale_idle_writes", after("API writes in idle window"), "", false},
	}
	workspaceRules = []textRule{
		{"workspaces_converge_s", after("wall time until all Available"), notReached, false},
		{"workspaces_writes_per_workspace", after("API writes per Workspace"), "", false},
		{"workspaces_idle_writes", after("API writes at rest"), "", false},
	}
	// The PostgreSQL discovery's "wasm / native" row comes first in
	// test/bench/plugins' output (MySQL's and S3's follow).
	pluginRules = []textRule{
		{"postgresql_wasm_native_ratio", after("wasm / native"), "", true},
	}
)
