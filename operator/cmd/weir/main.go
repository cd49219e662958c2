// Command weir is the Weir operator (`weir manager`) and the ingestion
// runner its Job pods execute (`weir ingest`).
package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:           "weir",
		Short:         "Weir: Marmot ingestion pipelines and secure workspaces on Kubernetes",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.AddCommand(managerCommand(), ingestCommand(), versionCommand(), policyCommand(), pluginCommand())
	if err := root.Execute(); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}
