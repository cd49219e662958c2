package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Names come out of rules and dashboards, histograms by their series
// (_bucket), once each; Grafana's variables parse.
func TestNamesInFiles(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	dash := filepath.Join(dir, "d.json")
	write(t, rules, "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0\n")
	write(t, dash, `{"panels": [{"type": "row", "panels": [{"targets": [{"expr": "histogram_quantile(0.9, sum by (le) (rate(h_seconds_bucket[$__rate_interval])))"}]}]},
		{"targets": [{"expr": "a_total"}, {"expr": "{__name__=\"c\"}"}]}]}`)
	got, err := namesInFiles([]string{rules, dash})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a_total", "b_total", "c", "h_seconds_bucket"}; !slices.Equal(got, want) {
		t.Errorf("names = %v; want %v", got, want)
	}
}

func TestNamesRefusesWhatItCannotCheck(t *testing.T) {
	for expr, want := range map[string]string{
		`sum(rate(a_total[5m])`:     "unclosed",
		`{job="weir"}`:              "names no metric",
		`{__name__=~"weir_.*"} > 0`: "names no metric",
	} {
		if _, err := namesIn(expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("namesIn(%q) = %v; want an error with %q", expr, err, want)
		}
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
