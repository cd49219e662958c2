package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/fetch"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/ingest"
	"github.com/weir-dev/weir/plugins/source"
)

// ingestCommand is `weir ingest` with the built-in sources and the
// pipeline file's plugins, all run by the wasm host, so a Job's command
// stays exactly `weir ingest -c /config/pipeline.yaml`. The network
// sandbox comes from the file's sandbox key, which the operator writes;
// never from the environment, which a Run's spec.env sets. The rest:
//
//	WEIR_PLUGIN_CACHE               wazero compilation cache, and verified plugin modules under
//	                                modules/ (default $TMPDIR/weir-plugin-cache, an emptyDir in Job pods)
//	WEIR_BUILTIN_CACHE              the built-ins' precompiled code (weir plugin precompile), linked
//	                                into WEIR_PLUGIN_CACHE at start; the image sets it
//	WEIR_PLUGIN_CA_FILE             PEM bundle trusted besides the system's roots when fetching
//	                                plugin modules (a private registry or server)
func ingestCommand() *cobra.Command {
	cache := os.Getenv("WEIR_PLUGIN_CACHE")
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "weir-plugin-cache")
	}
	return ingest.NewCommandWithSources(func(sb ingest.Sandbox) (ingest.Registry, ingest.PluginLoader) {
		// Without the precompiled code a built-in compiles (seconds): worth
		// a warning, not a failed run.
		if seed := os.Getenv(builtinCacheEnv); seed != "" {
			if _, err := seedCache(seed, cache); err != nil {
				slog.Default().Warn("built-in sources will be compiled: their precompiled code is unusable", "err", err)
			}
		}
		opts := host.Options{
			CacheDir: cache,
			Logger:   slog.Default(),
			// The variables a source declares (IRSA's for s3), from the pod.
			Environ: ingest.SourceEnv(os.LookupEnv),
			Network: host.NetworkPolicy{
				AllowLoopback:  sb.AllowLoopback,
				AllowLinkLocal: sb.AllowLinkLocal,
				AllowMetadata:  sb.AllowMetadata,
			},
		}
		return builtin.Sources(opts), pluginLoader(cache, opts)
	})
}

// pluginLoader makes each plugin a source that fetches its module on
// first use, refuses any bytes but the ones its sha256 names, keeps them
// under <cache>/modules by digest and runs them with the built-ins'
// options and the plugin's own limits.
func pluginLoader(cache string, base host.Options) ingest.PluginLoader {
	fetcher := sync.OnceValues(func() (*fetch.Fetcher, error) {
		return fetch.New(fetch.Options{Dir: filepath.Join(cache, "modules"), CAFile: os.Getenv("WEIR_PLUGIN_CA_FILE")})
	})
	return func(id string, p ingest.Plugin) (source.Source, error) {
		f, err := fetcher()
		if err != nil {
			return nil, err
		}
		opts := base
		opts.Trusted = false // third-party code keeps wazero's termination checks
		opts.Limits = host.Limits{
			Memory:   uint64(p.Limits.Memory),
			CallTime: p.Limits.CallTimeout,
			RunTime:  p.Limits.RunTimeout,
			Output:   p.Limits.OutputBytes,
		}
		return f.Source(id, p.URL, p.SHA256, []byte(p.CABundle), opts), nil
	}
}
