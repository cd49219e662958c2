// Command gen writes the webhook configurations generated from
// webhooks.Table: the kustomize and local manifests and the chart's
// webhook list. make manifests runs it from the repository root.
package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/weir-dev/weir/webhooks"
)

func main() {
	files, err := webhooks.GeneratedFiles()
	if err != nil {
		fmt.Fprintln(os.Stderr, "webhooks/gen:", err)
		os.Exit(1)
	}
	for _, path := range slices.Sorted(maps.Keys(files)) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "webhooks/gen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(path, files[path], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "webhooks/gen:", err)
			os.Exit(1)
		}
	}
}
