package ingest

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Environment variables that supply --host and --api-key when the flags
// are not given, as in Marmot.
const (
	HostEnv   = "MARMOT_HOST"
	APIKeyEnv = "MARMOT_API_KEY"
)

// DefaultHost is the Marmot API address without --host or MARMOT_HOST, as
// in `marmot ingest`.
const DefaultHost = "http://localhost:8080"

// settings are the resolved inputs of one invocation.
type settings struct {
	Pipeline *Pipeline
	Host     string
	APIKey   string // a secret: never print or log it
	Destroy  bool
	DryRun   bool
}

// runner does the work once the flags and the pipeline file are valid.
type runner func(cmd *cobra.Command, s settings) error

// NewCommand returns the `ingest` subcommand with no sources: every
// runs[] entry fails as an unknown source. Use NewCommandWithRegistry to
// give it sources.
func NewCommand() *cobra.Command {
	return NewCommandWithRegistry(nil)
}

// NewCommandWithRegistry returns the `ingest` subcommand, which runs the
// sources of reg. Its flags match `marmot ingest`, so a Marmot pipeline
// command line runs unchanged.
func NewCommandWithRegistry(reg Registry) *cobra.Command {
	return NewCommandWithPlugins(reg, nil)
}

// NewCommandWithPlugins is NewCommandWithRegistry where a pipeline file's
// plugins (the SourcePlugins its Run uses) become sources too, made by
// load. They cannot replace a source of reg.
func NewCommandWithPlugins(reg Registry, load PluginLoader) *cobra.Command {
	return newCommand(os.LookupEnv, ingestWith(reg, deps{plugins: load}))
}

// Sources makes the sources of `weir ingest` once the pipeline file is
// read, under its sandbox (the operator's network settings).
type Sources func(Sandbox) (Registry, PluginLoader)

// NewCommandWithSources returns the `ingest` subcommand whose sources,
// built-in and plugins, sources makes from the pipeline file's sandbox.
func NewCommandWithSources(sources Sources) *cobra.Command {
	return newCommand(os.LookupEnv, ingestWith(nil, deps{sources: sources}))
}

func newCommand(lookup func(string) (string, bool), run runner) *cobra.Command {
	var (
		configPath, host, apiKey string
		destroy, yes, dryRun     bool
		quiet                    bool
	)
	cmd := &cobra.Command{
		Use:   "ingest -c pipeline.yaml",
		Short: "Ingest metadata from the sources of a pipeline into Marmot",
		Long: "Runs each source of a Marmot pipeline file and sends what it finds to the Marmot API.\n" +
			"${VAR} in a source's settings is replaced by the environment variable VAR; $${ is a literal ${.\n" +
			"In tags, ${key} is the value of the asset's metadata key, as in Marmot, not an environment variable.\n" +
			"All assets of a source go to Marmot in one request, which Marmot uses to delete the assets the source no longer has.\n" +
			"The command fails when any source or any asset fails, after trying every source.",
		Args: cobra.NoArgs,
		// Usage helps with flag mistakes, not with failures of a run.
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := Load(configPath, lookup)
			if err != nil {
				return err
			}
			s := settings{
				Pipeline: p,
				Host:     fromEnv(cmd, "host", host, HostEnv, lookup),
				APIKey:   fromEnv(cmd, "api-key", apiKey, APIKeyEnv, lookup),
				Destroy:  destroy,
				DryRun:   dryRun,
			}
			switch {
			case cmd.Flags().Changed("host") && s.Host == "" && !s.DryRun:
				return fmt.Errorf("--host is empty: pass the Marmot API address, for example http://marmot:8080, or leave --host out to use %s or %s", HostEnv, DefaultHost)
			case s.Host == "":
				s.Host = DefaultHost
			}
			return run(cmd, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&configPath, "config", "c", "", "path to the pipeline file (required)")
	// The env defaults are resolved at run time, not shown as flag
	// defaults, so help output can never reveal the API key.
	f.StringVarP(&host, "host", "H", "", "Marmot API address (default $"+HostEnv+", else "+DefaultHost+")")
	f.StringVarP(&apiKey, "api-key", "k", "", "Marmot API key (default $"+APIKeyEnv+")")
	f.BoolVarP(&destroy, "destroy", "d", false, "delete everything this pipeline created in Marmot instead of ingesting")
	f.BoolVarP(&yes, "yes", "y", false, "accepted for compatibility; implied, as this command never prompts")
	f.BoolVar(&dryRun, "dry-run", false, "run the sources but send nothing: print each request that would be sent as a JSON line {method, path, body}")
	f.BoolVarP(&quiet, "quiet", "q", true, "accepted for compatibility with marmot ingest")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// fromEnv returns the flag's value if it was given, else the environment
// variable's.
func fromEnv(cmd *cobra.Command, flag, value, env string, lookup func(string) (string, bool)) string {
	if cmd.Flags().Changed(flag) {
		return value
	}
	v, _ := lookup(env)
	return v
}
