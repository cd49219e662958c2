//go:build e2e

package observability

import (
	"bufio"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/weir-dev/weir/test/realparts"
)

// checkNames: every metric the chart's rules and dashboard read (as
// Prometheus' parser sees them: promqlnames) is served on the running
// manager's /metrics under this test's load. A vector without a sample yet
// is not served (client_golang writes no family for it): such a name must
// be one Weir's Go source registers (a prometheus.*Opts Name), and the
// test names it, so what was only checked statically is plain.
func checkNames(t *testing.T, promDir, root, metricsURL string) {
	cmd := exec.Command(filepath.Join(promDir, "promqlnames"), filepath.Join(root, rulesFile), filepath.Join(root, dashboardFile))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("promqlnames: %v", err)
	}
	referenced := strings.Fields(string(out))
	if len(referenced) == 0 {
		t.Fatal("promqlnames found no metric names in the rules and dashboard")
	}
	served := scrape(t, metricsURL)
	saveScrape(t, metricsURL)
	declared := declaredNames(t, root)
	var staticOnly []string
	for _, n := range referenced {
		if served[n] {
			continue
		}
		base := family(n)
		if strings.HasPrefix(base, "weir_") && declared[base] {
			staticOnly = append(staticOnly, n)
			continue
		}
		t.Errorf("%s: the rules or the dashboard read it, but the manager neither serves it nor does Weir's source register %s", n, base)
	}
	t.Logf("%d metric names referenced; %d served by the manager under load; registered in the source but without a sample in this test: %v",
		len(referenced), len(referenced)-len(staticOnly), staticOnly)
}

// family strips the suffixes a histogram's or summary's series add.
func family(name string) string {
	for _, s := range []string{"_bucket", "_sum", "_count"} {
		if b, ok := strings.CutSuffix(name, s); ok {
			return b
		}
	}
	return name
}

// scrape returns the series names /metrics serves, from its TYPE lines
// (a histogram serves _bucket, _sum and _count).
func scrape(t *testing.T, u string) map[string]bool {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		switch f[3] {
		case "histogram", "summary":
			names[f[2]+"_sum"], names[f[2]+"_count"] = true, true
			if f[3] == "histogram" {
				names[f[2]+"_bucket"] = true
			}
		default:
			names[f[2]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("%s served no metrics", u)
	}
	return names
}

// declaredName is a Name field of a prometheus.*Opts literal.
var declaredName = regexp.MustCompile(`(?m)^\s*Name:\s*"(weir_[a-z0-9_]+)"`)

// declaredNames are the weir_* names in Name: fields of Weir's non-test Go
// source.
func declaredNames(t *testing.T, root string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, dir := range []string{"operator", "webhooks", "access", "plugins", "policies"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range declaredName.FindAllStringSubmatch(string(b), -1) {
				names[m[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// saveScrape keeps what /metrics served, beside the manager's log.
func saveScrape(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(realparts.ArtifactsDir(t), "metrics.txt")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("the manager's /metrics: %s", path)
}
