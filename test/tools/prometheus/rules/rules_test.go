// Package rules checks the chart's alerting rules with the real promtool:
// they load (check rules), and every alert fires in its firing case and
// stays quiet in its quiet case (test rules, charts/weir/files/monitoring).
package rules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const rulesDir = "../../../../charts/weir/files/monitoring"

// promtool is hack/prometheus.sh's promtool; a missing binary is a
// failure, not a skip, so CI cannot pass without checking the rules.
func promtool(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("../../../../hack/prometheus.sh")
	cmd.Env = append(os.Environ(), "WEIR_TOOLS_NO_BUILD=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/prometheus.sh: %v (run it once to build promtool)", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "promtool")
}

func run(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestRulesCheck(t *testing.T) {
	if out, err := run(t, rulesDir, "check", "rules", "rules.yaml"); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

func TestRulesUnitTests(t *testing.T) {
	if out, err := run(t, rulesDir, "test", "rules", "rules_test.yaml"); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// The unit tests can fail: with one alert's threshold moved out of reach,
// its firing case does, and promtool names it.
func TestRulesUnitTestsCatchABrokenAlert(t *testing.T) {
	dir := t.TempDir()
	rules, err := os.ReadFile(filepath.Join(rulesDir, "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(rules), "sum by (namespace, name) (workqueue_depth) > 100", "sum by (namespace, name) (workqueue_depth) > 100000", 1)
	if broken == string(rules) {
		t.Fatal("the WeirWorkqueueBacklog expression moved: update this test")
	}
	tests, err := os.ReadFile(filepath.Join(rulesDir, "rules_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"rules.yaml": []byte(broken), "rules_test.yaml": tests} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, dir, "test", "rules", "rules_test.yaml")
	if err == nil || !strings.Contains(out, "WeirWorkqueueBacklog") {
		t.Fatalf("promtool test rules with a broken alert: %v; want a failure naming WeirWorkqueueBacklog\n%s", err, out)
	}
}
