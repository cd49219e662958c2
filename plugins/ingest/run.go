package ingest

import (
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/weir-dev/weir/plugins/sink"
)

// deps are what tests replace; zero values are the real ones. plugins
// loads the modules of a pipeline's plugins (nil: none can be loaded).
type deps struct {
	// sources, when set, makes the registry and plugin loader from the
	// pipeline file's sandbox, replacing the ones given.
	sources    Sources
	plugins    PluginLoader
	tokenFile  string
	retry      sink.Retry
	tempDir    string
	httpClient *http.Client
}

// ingestWith returns the runner of `weir ingest` over reg: it builds the
// Marmot client, or the dry-run sink, and runs or destroys the pipeline.
// Logs go to stderr; --dry-run's requests to stdout. SIGTERM (a deleted
// Job pod) and SIGINT cancel the run, which completes the current
// source's run as cancelled.
func ingestWith(reg Registry, d deps) runner {
	return func(cmd *cobra.Command, s settings) error {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		var out sink.Sink
		if s.DryRun {
			out = sink.NewDryRun(cmd.OutOrStdout())
		} else {
			c, err := sink.NewClient(sink.Options{
				Host: s.Host, APIKey: s.APIKey, TokenFile: d.tokenFile,
				HTTPClient: d.httpClient, Retry: d.retry, Logger: log,
			})
			if err != nil {
				return err
			}
			out = c
		}
		reg, load := reg, d.plugins
		if d.sources != nil {
			reg, load = d.sources(s.Pipeline.Sandbox)
		}
		r := &Runner{Registry: reg, Sink: out, Log: log, TempDir: d.tempDir}
		if s.Destroy { // runs no source: the plugins are not needed
			return r.Destroy(ctx, s.Pipeline)
		}
		full, err := reg.withPlugins(s.Pipeline.Plugins, load)
		if err != nil {
			return err
		}
		r.Registry = full
		return r.Run(ctx, s.Pipeline)
	}
}
