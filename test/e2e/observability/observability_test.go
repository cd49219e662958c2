//go:build e2e

package observability

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

const clusterName = "weir-observability"

// The chart's files this test checks.
const (
	rulesFile     = "charts/weir/files/monitoring/rules.yaml"
	dashboardFile = "charts/weir/dashboards/weir.json"
)

func TestObservability(t *testing.T) {
	// The admin client's warnings (the webhooks') would each print a
	// stack about an unset logger.
	ctrllog.SetLogger(logr.Discard())
	promDir := os.Getenv("PROMETHEUS_DIR")
	if promDir == "" {
		t.Fatal("PROMETHEUS_DIR is not set: PROMETHEUS_DIR=$(hack/prometheus.sh)")
	}
	loadFor := 4 * time.Minute
	if v := os.Getenv("OBS_LOAD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("OBS_LOAD=%q: want a duration such as 4m", v)
		}
		loadFor = d
	}
	c := kwok.Up(t, clusterName, kwok.Options{})
	stage(t, c)
	m := kwok.StartManager(t, c, kwok.ManagerOptions{Args: []string{"--image=ghcr.io/weir-dev/weir:observability",
		"--access-secret=weir-system/weir-local-access"}})
	prom := startPrometheus(t, promDir, c.Root, m.MetricsAddr)

	start := time.Now()
	generateLoad(t, c, m, loadFor)
	end := time.Now()

	t.Run("ReferencedMetricsAreExported", func(t *testing.T) {
		checkNames(t, promDir, c.Root, "http://"+m.MetricsAddr+"/metrics")
	})
	t.Run("RulesEvaluate", func(t *testing.T) { checkRulesHealthy(t, prom) })
	t.Run("Dashboard", func(t *testing.T) { renderDashboard(t, c.Root, prom, start, end) })
}

// startPrometheus runs Prometheus scraping the manager's metrics every 5 s
// with the chart's rules loaded, as the ServiceMonitor would (honor_labels,
// the manager's namespace as the target's), and returns its base URL.
func startPrometheus(t *testing.T, dir, root, target string) string {
	t.Helper()
	work := t.TempDir()
	cfg := fmt.Sprintf(`global: {scrape_interval: 5s, evaluation_interval: 5s}
rule_files: [%q]
scrape_configs:
  - job_name: weir
    honor_labels: true
    static_configs:
      - targets: [%q]
        labels: {namespace: weir-system}
`, filepath.Join(root, rulesFile), target)
	if err := os.WriteFile(filepath.Join(work, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", kwok.FreePort(t))
	log, err := os.Create(filepath.Join(realparts.ArtifactsDir(t), "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "prometheus"), "--config.file="+filepath.Join(work, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(work, "data"), "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = log.Close() })
	base := "http://" + addr
	kwok.WaitFor(t, time.Minute, "prometheus is ready", func() error {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/-/ready: %s", resp.Status)
		}
		return nil
	})
	kwok.WaitFor(t, time.Minute, "prometheus scrapes the manager", func() error {
		var r struct {
			Data struct {
				ActiveTargets []struct {
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"activeTargets"`
			} `json:"data"`
		}
		if err := getJSON(base+"/api/v1/targets", &r); err != nil {
			return err
		}
		if len(r.Data.ActiveTargets) != 1 || r.Data.ActiveTargets[0].Health != "up" {
			return fmt.Errorf("targets: %+v", r.Data.ActiveTargets)
		}
		return nil
	})
	return base
}

func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// checkRulesHealthy: every rule the test Prometheus loaded from the chart
// evaluated without an error against the manager's real series (a
// many-to-many match, say, would only show here).
func checkRulesHealthy(t *testing.T, prom string) {
	var r struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := getJSON(prom+"/api/v1/rules", &r); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range r.Data.Groups {
		for _, rule := range g.Rules {
			n++
			if rule.Health != "ok" {
				t.Errorf("rule %s: health %q: %s", rule.Name, rule.Health, rule.LastError)
			}
		}
	}
	if n == 0 {
		t.Fatal("prometheus loaded no rules from " + rulesFile)
	}
	t.Logf("%d rules evaluated without an error", n)
}

// renderDashboard opens the test renderer on the chart's dashboard against
// the test Prometheus over [start, end] and screenshots it.
func renderDashboard(t *testing.T, root, prom string, start, end time.Time) {
	promURL, err := url.Parse(prom)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", httputil.NewSingleHostReverseProxy(promURL))
	mux.HandleFunc("/dashboard.json", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(root, dashboardFile))
	})
	mux.Handle("/", http.FileServer(http.Dir("renderer")))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	page := fmt.Sprintf("%s/index.html?dashboard=/dashboard.json&start=%d&end=%d&step=5&rate=30s",
		srv.URL, start.Add(-30*time.Second).Unix(), end.Unix())
	ctx := realparts.Chromium(t)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	body := chromedp.CSS("body")
	err = chromedp.Do(ctx, chromedp.EmulateViewport(1600, 1500), chromedp.Navigate(page),
		chromedp.WaitReady(chromedp.CSS("body[data-done]")))
	if err != nil {
		t.Fatalf("render %s: %v", page, err)
	}
	if e, err := chromedp.Run(ctx, chromedp.AttributeValue(body, "data-error")); err != nil || e.Exists {
		t.Fatalf("the renderer failed: %q, %v", e.Value, err)
	}
	res, err := chromedp.Run(ctx, chromedp.AttributeValue(body, "data-results"))
	if err != nil {
		t.Fatal(err)
	}
	results := res.Value
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	var panels []struct {
		Title  string   `json:"title"`
		Series int      `json:"series"`
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(results), &panels); err != nil {
		t.Fatalf("renderer results %q: %v", results, err)
	}
	withData := 0
	for _, p := range panels {
		if len(p.Errors) > 0 {
			t.Errorf("panel %q: queries failed: %v", p.Title, p.Errors)
		}
		if p.Series > 0 {
			withData++
		} else {
			t.Logf("panel %q: no data under this load", p.Title)
		}
	}
	// Most panels draw something; the rest watch events this load does
	// not cause (limit hits, bundle load failures, failed Jobs).
	if withData*3 < len(panels)*2 {
		t.Errorf("%d of %d panels have data; want at least two thirds", withData, len(panels))
	}
	out := filepath.Join(realparts.ArtifactsDir(t), "dashboard.png")
	if os.Getenv("WEIR_UPDATE_DOCS") != "" {
		out = filepath.Join(root, "docs", "images", "dashboard.png")
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("dashboard: %d of %d panels with data; screenshot %s (%d KiB)", withData, len(panels), out, len(png)>>10)
}
