package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/ingest"
)

// ingestCommand is `weir ingest` with the built-in sources, run by the
// wasm host. The sandbox is set from the environment, so a Job's command
// stays exactly `weir ingest -c /config/pipeline.yaml`:
//
//	WEIR_PLUGIN_CACHE               wazero compilation cache (default $TMPDIR/weir-plugin-cache,
//	                                an emptyDir in Job pods)
//	WEIR_PLUGIN_ALLOW_LOOPBACK      "true" lets sources dial loopback addresses (local testing)
//	WEIR_PLUGIN_ALLOW_LINK_LOCAL    "true" lets them dial link-local ones (never cloud metadata)
func ingestCommand() *cobra.Command {
	cache := os.Getenv("WEIR_PLUGIN_CACHE")
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "weir-plugin-cache")
	}
	opts := host.Options{
		CacheDir: cache,
		Logger:   slog.Default(),
		Network: host.NetworkPolicy{
			AllowLoopback:  envBool("WEIR_PLUGIN_ALLOW_LOOPBACK"),
			AllowLinkLocal: envBool("WEIR_PLUGIN_ALLOW_LINK_LOCAL"),
		},
	}
	return ingest.NewCommandWithRegistry(builtin.Sources(opts))
}

func envBool(name string) bool {
	v, _ := strconv.ParseBool(os.Getenv(name))
	return v
}
