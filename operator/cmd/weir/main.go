// Command weir is the Weir operator (`weir manager`) and the ingestion
// runner its Job pods execute (`weir ingest`).
package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := rootCommand().Execute(); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}

func rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "weir",
		Short:         "Weir: Marmot ingestion pipelines on Kubernetes, with admission policies and sandboxed source plugins",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	root.AddCommand(managerCommand(), ingestCommand(), versionCommand(), policyCommand(), pluginCommand())
	root.AddCommand(workspaceCommand())
	root.AddCommand(tunnelCommand())
	return root
}
