package helm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

var monitoringOn = []string{
	"--set", "monitoring.serviceMonitor.enabled=true",
	"--set", "monitoring.prometheusRule.enabled=true",
	"--set", "monitoring.dashboard.enabled=true",
}

// Off by default: a cluster without the Prometheus Operator's CRDs can
// install the chart.
func TestMonitoringOffByDefault(t *testing.T) {
	docs := render(t)
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule"} {
		if n := count(docs, kind); n != 0 {
			t.Errorf("%d %s by default; want none", n, kind)
		}
	}
	for _, d := range docs {
		if d.Kind == "ConfigMap" && strings.HasSuffix(d.Name, "-dashboard") {
			t.Errorf("dashboard ConfigMap %s rendered by default", d.Name)
		}
	}
}

// The PrometheusRule carries rules.yaml's groups unchanged (Prometheus's
// {{ $labels }} templates are not Helm's), the ConfigMap the dashboard
// JSON unchanged, with the sidecar's label.
func TestMonitoringShipsTheCheckedFiles(t *testing.T) {
	docs := render(t, append(monitoringOn, "--set", "monitoring.prometheusRule.labels.release=kps")...)
	type rule struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec map[string]any `json:"spec"`
	}
	var got rule
	for _, d := range docs {
		if d.Kind == "PrometheusRule" {
			if err := yaml.Unmarshal(d.raw, &got); err != nil {
				t.Fatal(err)
			}
		}
	}
	var want map[string]any
	readYAML(t, "charts/weir/files/monitoring/rules.yaml", &want)
	if !reflect.DeepEqual(got.Spec, want) {
		t.Errorf("PrometheusRule spec differs from rules.yaml:\n%v\nwant\n%v", got.Spec, want)
	}
	if got.Metadata.Labels["release"] != "kps" {
		t.Errorf("PrometheusRule labels %v; want monitoring.prometheusRule.labels among them", got.Metadata.Labels)
	}
	if b, _ := yaml.Marshal(got.Spec); !strings.Contains(string(b), "{{ $labels.webhook }}") {
		t.Error("Prometheus's templates did not survive rendering")
	}

	cm := named[corev1.ConfigMap](t, docs, "ConfigMap", "weir-dashboard")
	if cm.Labels["grafana_dashboard"] != "1" {
		t.Errorf("dashboard ConfigMap labels %v; want grafana_dashboard", cm.Labels)
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "charts/weir/dashboards/weir.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(cm.Data["weir.json"]) != strings.TrimSpace(string(raw)) {
		t.Error("the ConfigMap's weir.json differs from charts/weir/dashboards/weir.json")
	}
	if !json.Valid([]byte(cm.Data["weir.json"])) {
		t.Error("the ConfigMap's weir.json is not JSON")
	}
}

// The ServiceMonitor selects the metrics Service alone, by labels it has
// and by a port it names, over HTTPS with a bearer token; the binding
// lets Prometheus's account get /metrics.
func TestServiceMonitorSelectsTheMetricsService(t *testing.T) {
	docs := render(t, append(monitoringOn,
		"--set", "monitoring.serviceMonitor.prometheusServiceAccount.name=prometheus",
		"--set", "monitoring.serviceMonitor.prometheusServiceAccount.namespace=monitoring")...)
	sm := only[serviceMonitor](t, docs, "ServiceMonitor")

	var selected []corev1.Service
	for _, d := range docs {
		if d.Kind != "Service" {
			continue
		}
		var s corev1.Service
		if err := yaml.Unmarshal(d.raw, &s); err != nil {
			t.Fatal(err)
		}
		match := true
		for k, v := range sm.Spec.Selector.MatchLabels {
			match = match && s.Labels[k] == v
		}
		for _, e := range sm.Spec.Selector.MatchExpressions {
			_, has := s.Labels[e.Key]
			match = match && e.Operator == "DoesNotExist" && !has
		}
		if match {
			selected = append(selected, s)
		}
	}
	if len(selected) != 1 || selected[0].Name != "weir-metrics" {
		names := []string{}
		for _, s := range selected {
			names = append(names, s.Name)
		}
		t.Fatalf("the ServiceMonitor selects Services %v; want weir-metrics alone", names)
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("endpoints %+v; want one", sm.Spec.Endpoints)
	}
	ep := sm.Spec.Endpoints[0]
	if ep.Port != selected[0].Spec.Ports[0].Name || ep.Scheme != "https" || ep.Path != "/metrics" || !ep.HonorLabels {
		t.Errorf("endpoint %+v; want port %q, https, /metrics, honorLabels", ep, selected[0].Spec.Ports[0].Name)
	}
	if ep.BearerTokenFile == "" || ep.TLSConfig["insecureSkipVerify"] != true {
		t.Errorf("endpoint %+v; want the scraper's token and the default tlsConfig", ep)
	}
	if got := sm.Spec.NamespaceSelector.MatchNames; len(got) != 1 || got[0] != "weir" {
		t.Errorf("namespaceSelector %v; want the release namespace", got)
	}
	crb := named[rbacv1.ClusterRoleBinding](t, docs, "ClusterRoleBinding", "weir-metrics-reader")
	if crb.RoleRef.Name != "weir-metrics-reader" || len(crb.Subjects) != 1 ||
		crb.Subjects[0].Name != "prometheus" || crb.Subjects[0].Namespace != "monitoring" {
		t.Errorf("metrics-reader binding %+v; want the ClusterRole bound to monitoring/prometheus", crb)
	}

	// A token from a Secret replaces the scraper's own.
	docs = render(t, append(monitoringOn, "--set", "monitoring.serviceMonitor.bearerTokenSecret.name=scrape",
		"--set", "monitoring.serviceMonitor.bearerTokenSecret.key=token")...)
	var withSecret struct {
		Spec struct {
			Endpoints []map[string]any `json:"endpoints"`
		} `json:"spec"`
	}
	for _, d := range docs {
		if d.Kind == "ServiceMonitor" {
			if err := yaml.Unmarshal(d.raw, &withSecret); err != nil {
				t.Fatal(err)
			}
		}
	}
	e := withSecret.Spec.Endpoints[0]
	if _, ok := e["bearerTokenFile"]; ok || !reflect.DeepEqual(e["authorization"], map[string]any{
		"type": "Bearer", "credentials": map[string]any{"name": "scrape", "key": "token"}}) {
		t.Errorf("endpoint with bearerTokenSecret: %v; want authorization from Secret scrape, key token", e)
	}
}

// A half-given Secret or account is refused by the schema, naming it.
func TestMonitoringValuesSchema(t *testing.T) {
	out, err := helm(t, "template", "weir", chartDir, "--set", "monitoring.serviceMonitor.bearerTokenSecret.name=scrape")
	if err == nil || !strings.Contains(out, "bearerTokenSecret") {
		t.Errorf("a bearerTokenSecret without a key rendered: %v\n%s", err, out)
	}
	out, err = helm(t, "template", "weir", chartDir, "--set", "monitoring.serviceMonitor.interval=often")
	if err == nil || !strings.Contains(out, "interval") {
		t.Errorf("interval=often rendered: %v\n%s", err, out)
	}
}

func readYAML(t *testing.T, rel string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

// serviceMonitor is the part of monitoring.coreos.com/v1 the chart
// renders; decoded strictly, a field misspelt in the template fails.
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Selector struct {
			MatchLabels      map[string]string `json:"matchLabels"`
			MatchExpressions []struct {
				Key      string `json:"key"`
				Operator string `json:"operator"`
			} `json:"matchExpressions"`
		} `json:"selector"`
		Endpoints []struct {
			Port            string         `json:"port"`
			Scheme          string         `json:"scheme"`
			Path            string         `json:"path"`
			Interval        string         `json:"interval"`
			ScrapeTimeout   string         `json:"scrapeTimeout"`
			HonorLabels     bool           `json:"honorLabels"`
			TLSConfig       map[string]any `json:"tlsConfig"`
			BearerTokenFile string         `json:"bearerTokenFile"`
			Authorization   map[string]any `json:"authorization"`
		} `json:"endpoints"`
	} `json:"spec"`
}
