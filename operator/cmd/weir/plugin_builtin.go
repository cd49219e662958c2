package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/host"
)

// builtinCacheEnv names the directory of the built-ins' precompiled code
// (`weir plugin precompile`), which the image bakes in read-only.
const builtinCacheEnv = "WEIR_BUILTIN_CACHE"

func pluginListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the sources built into this binary (id and version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return listBuiltins(cmd.OutOrStdout())
		},
	}
}

// listBuiltins prints one line per built-in source; a binary without any
// is an error, not an empty list.
func listBuiltins(w io.Writer) error {
	ids := builtin.IDs()
	if len(ids) == 0 {
		return errors.New("this weir has no built-in sources: build it with `make build` (which runs `make plugins`)")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, id := range ids {
		d, err := builtin.Description(id)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\n", id, d.Version)
	}
	return tw.Flush()
}

func pluginPrecompileCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "precompile --cache-dir DIR",
		Short: "Compile every built-in source into wazero's compilation cache in DIR",
		Long: "Compiles each built-in source as `weir ingest` does (trusted: without\n" +
			"wazero's termination checks) and keeps the code in\n" +
			"DIR, so ingestion pods start without compiling (seconds per source).\n" +
			"The image runs this at build time and sets " + builtinCacheEnv + " to DIR;\n" +
			"`weir ingest` then links that code into its own, writable cache\n" +
			"(WEIR_PLUGIN_CACHE). The code is for this CPU's features: on another CPU\n" +
			"the cache misses and ingest compiles as if it were absent.\n" +
			"Prints each source with \"compiled\" or \"cached\" (already in DIR).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--cache-dir is required: the directory to keep the compiled code in")
			}
			return precompileBuiltins(cmd.Context(), cmd.OutOrStdout(), dir)
		},
	}
	cmd.Flags().StringVar(&dir, "cache-dir", "", "directory of wazero's compilation cache (created if missing)")
	return cmd
}

// precompileBuiltins loads every built-in with dir as its compilation
// cache; a source whose load added no file to dir was a cache hit.
func precompileBuiltins(ctx context.Context, w io.Writer, dir string) error {
	ids := builtin.IDs()
	if len(ids) == 0 {
		return errors.New("this weir has no built-in sources to precompile: build it with `make build`")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	for _, id := range ids {
		before, err := cacheFiles(dir)
		if err != nil {
			return err
		}
		// builtin.Load, as `weir ingest` does: trusted code (without
		// termination checks) is cached under its own key.
		m, err := builtin.Load(ctx, id, host.Options{CacheDir: dir})
		if err != nil {
			return fmt.Errorf("precompiling built-in source %s: %w", id, err)
		}
		_ = m.Close(ctx)
		after, err := cacheFiles(dir)
		if err != nil {
			return err
		}
		state := "cached"
		if after > before {
			state = "compiled"
		}
		fmt.Fprintf(w, "%s\t%s\n", id, state)
	}
	return nil
}

// cacheFiles counts the regular files (compiled modules) under dir; links
// seeded from a read-only cache are not counted.
func cacheFiles(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n, err
}

// seedCache links every compiled module under seed into cache, so wazero
// reads the precompiled code from a read-only seed while cache stays
// writable: wazero fails a compilation whose result it cannot write, and
// a miss (another CPU, another wazero) must compile, not fail. Entries
// cache already has are kept. Returns how many links it made.
func seedCache(seed, cache string) (int, error) {
	subdirs, err := os.ReadDir(seed)
	if err != nil {
		return 0, fmt.Errorf("%s=%s: %w", builtinCacheEnv, seed, err)
	}
	n := 0
	for _, sub := range subdirs {
		// wazero keeps its code in wazero-<version>-<arch>-<os>/.
		if !sub.IsDir() || !strings.HasPrefix(sub.Name(), "wazero-") {
			continue
		}
		files, err := os.ReadDir(filepath.Join(seed, sub.Name()))
		if err != nil {
			return n, err
		}
		dst := filepath.Join(cache, sub.Name())
		if err := os.MkdirAll(dst, 0o700); err != nil {
			return n, fmt.Errorf("plugin cache %s: %w", cache, err)
		}
		for _, f := range files {
			if !f.Type().IsRegular() || strings.HasSuffix(f.Name(), ".tmp") {
				continue
			}
			err := os.Symlink(filepath.Join(seed, sub.Name(), f.Name()), filepath.Join(dst, f.Name()))
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			if err != nil {
				return n, fmt.Errorf("plugin cache %s: %w", cache, err)
			}
			n++
		}
	}
	return n, nil
}
