package main

import (
	"flag"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Weir's version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), version) },
	}
}

// zapFlags are the logging flags (--zap-log-level, ...) as a standard
// FlagSet, for cobra to adopt.
func zapFlags(o *zap.Options) *flag.FlagSet {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	o.BindFlags(fs)
	return fs
}
