// Command table prints issue 15's targets as one table: each target, the
// median `make bench` measured, the ratio of that median to the target,
// and whether it is met. It reads the outputs make bench writes in -dir
// (bench-go.txt: go test -bench -count 5; bench-scale.txt; bench-workspaces.txt;
// bench-plugins.txt; bench-memory.txt) and writes the table, as Markdown,
// to stdout and -out. A figure it cannot find, its file missing or not
// printing it, is "not measured": the table never makes a number up.
//
//	go run ./test/bench/table -dir bin -out bin/bench-table.md
//
// The bench programs print "<name> <value>" lines for it (test/bench/admission,
// memory, plugins); the scale and workspace summaries are read by their
// row labels when they print no such line.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	dir := flag.String("dir", "bin", "directory holding make bench's outputs")
	out := flag.String("out", "", "also write the table here (Markdown)")
	flag.Parse()
	inputs, err := load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "table:", err)
		os.Exit(1)
	}
	var buf bytes.Buffer
	render(&buf, inputs)
	os.Stdout.Write(buf.Bytes())
	if *out != "" {
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "table:", err)
			os.Exit(1)
		}
	}
}

// load reads every input file in dir; a missing one is left out (its
// targets print "not measured"), one that cannot be read is an error.
func load(dir string) (map[string]figures, error) {
	out := map[string]figures{}
	for _, name := range []string{fileGo, fileScale, fileWorkspaces, filePlugins, fileMemory} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[name] = parseFile(name, b)
	}
	return out, nil
}

// parseFile reads one output: its "<name> <value>" lines, then what its
// format holds (go test -bench lines, or the summary rows).
func parseFile(name string, b []byte) figures {
	f := parseMachine(bytes.NewReader(b))
	var more figures
	switch name {
	case fileGo:
		more = parseGoBench(bytes.NewReader(b))
	case fileScale:
		more = parseText(bytes.NewReader(b), scaleRules)
	case fileWorkspaces:
		more = parseText(bytes.NewReader(b), workspaceRules)
	case filePlugins:
		more = parseText(bytes.NewReader(b), pluginRules)
	}
	for k, vs := range more {
		if _, ok := f[k]; !ok { // a program's own line wins
			f[k] = vs
		}
	}
	return f
}

// render writes the table.
func render(w io.Writer, inputs map[string]figures) {
	fmt.Fprintln(w, "| Target (issue 15) | Goal | Measured (median) | Measured / goal | Met | From |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	met, measured := 0, 0
	for _, t := range targets {
		f, ok := inputs[t.file]
		v, have := 0.0, false
		if ok {
			v, have = t.value(f)
		}
		what := t.what
		if t.note != "" {
			what += " (" + t.note + ")"
		}
		if !have {
			why := "not measured"
			if !ok {
				why += " (no " + t.file + ")"
			}
			fmt.Fprintf(w, "| %s | %s | %s | — | — | %s |\n", what, t.goal(), why, t.file)
			continue
		}
		measured++
		yes := "no"
		if t.met(v) {
			yes = "yes"
			met++
		}
		if t.size != nil {
			if why := t.size(f); why != "" {
				if yes == "yes" {
					met--
				}
				yes = "no (" + why + ")"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s %s | %s | %s | %s |\n", what, t.goal(), num(v), t.unit, ratio(v, t.limit), yes, t.file)
	}
	fmt.Fprintf(w, "\n%d of %d targets measured, %d met. Medians over the values each output holds (go test -count 5; one run of each kwok and plugin benchmark unless appended); ratios are measured / goal (for a ≥ goal, above 1 is met).\n",
		measured, len(targets), met)
}

// ratio is measured / goal; a goal of 0 has none.
func ratio(v, limit float64) string {
	if limit == 0 {
		return "—"
	}
	return strconv.FormatFloat(v/limit, 'f', 2, 64)
}

// num prints a figure with the digits it needs.
func num(v float64) string {
	switch a := abs(v); {
	case a >= 1000:
		return groupThousands(strconv.FormatFloat(v, 'f', 0, 64))
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
