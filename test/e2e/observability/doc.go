// Package observability runs a Weir manager on a kwok cluster under a
// little load, scraped by a real Prometheus (hack/prometheus.sh) that
// evaluates the chart's alerting rules, and checks that every metric the
// chart's rules and dashboard read is one the manager exports. It renders
// the dashboard with a test renderer (renderer/index.html: not Grafana) in
// headless Chromium for docs/images/dashboard.png.
//
//	K8S_BIN=$(hack/control-plane.sh) WEIR=bin/weir PROMETHEUS_DIR=$(hack/prometheus.sh) \
//	  go test -tags e2e -p 1 ./test/e2e/observability/ -v
//
// WEIR_UPDATE_DOCS=1 writes the screenshot to docs/images/dashboard.png
// (otherwise it goes to the test's artifacts); OBS_LOAD sets how long the
// load runs (default 4m).
package observability
