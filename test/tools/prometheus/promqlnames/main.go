// Command promqlnames prints, one a line and sorted, the metric names the
// PromQL of Prometheus rule files (*.yaml: every rule's expr) and Grafana
// dashboards (*.json: every panel's targets[].expr) reads, as Prometheus'
// own parser sees them. test/e2e/observability compares them with what a
// running Weir manager serves.
//
//	promqlnames charts/weir/files/monitoring/rules.yaml charts/weir/dashboards/weir.json
package main

import (
	"fmt"
	"os"
)

func main() {
	names, err := namesInFiles(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "promqlnames:", err)
		os.Exit(1)
	}
	for _, n := range names {
		fmt.Println(n)
	}
}
