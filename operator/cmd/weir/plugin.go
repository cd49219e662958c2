package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weir-dev/weir/plugins/builtin"
	plugindescribe "github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/plugins/host"
)

// pluginCommand is `weir plugin`: what a plugin author checks before
// publishing a module, and what the manager runs to describe a
// SourcePlugin's module in a process of its own.
func pluginCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "Inspect WebAssembly source plugins",
	}
	cmd.AddCommand(pluginDescribeCommand(), pluginListCommand(), pluginPrecompileCommand())
	return cmd
}

func pluginDescribeCommand() *cobra.Command {
	var limits host.Limits
	cmd := &cobra.Command{
		Use:   "describe FILE|-|SOURCE",
		Short: "Print a source module's sha256 and description (id, version, config schema) as JSON",
		Long: "Loads the module in FILE (\"-\": stdin) as `weir ingest` and the SourcePlugin\n" +
			"controller do, checks its plugin ABI version, and prints the sha256 a\n" +
			"SourcePlugin's spec.sha256 must name and what the module says of itself:\n" +
			"id, version, config schema and capabilities.\n" +
			"Exits 2, printing {\"error\": ...}, when the module cannot be described.\n\n" +
			"SOURCE, when no such file exists, names a source built into weir (" + strings.Join(builtin.IDs(), ", ") + "):\n" +
			"its description as this binary carries it, with \"builtin\": true, e.g. to see the\n" +
			"settings a Run's runs[] entry may use: weir plugin describe postgresql",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true, // stdout holds JSON only
		RunE: func(cmd *cobra.Command, args []string) error {
			if id, ok := builtinArg(args[0]); ok {
				return describeBuiltin(cmd.OutOrStdout(), id)
			}
			wasm, err := readModule(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			opts := host.Options{Limits: limits, Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))}
			res, err := plugindescribe.Describe(cmd.Context(), wasm, opts)
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			var me *plugindescribe.ModuleError
			if errors.As(err, &me) {
				if err := enc.Encode(plugindescribe.Failure{Error: me.Message}); err != nil {
					return err
				}
				return exitError{code: plugindescribe.ExitModuleError, err: me}
			}
			if err != nil {
				return err
			}
			return enc.Encode(res)
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&limits.Memory, "memory-bytes", 0, "memory limit of the module (default 256 MiB)")
	f.Int64Var(&limits.Output, "output-bytes", 0, "limit on what one call may return (default: the host's)")
	f.DurationVar(&limits.CallTime, "call-timeout", 0, "wall-time limit of each call (default 1m)")
	return cmd
}

func readModule(stdin io.Reader, arg string) ([]byte, error) {
	if arg == "-" {
		return io.ReadAll(stdin)
	}
	b, err := os.ReadFile(arg)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the module: %s is neither a module file nor a built-in source (built in: %s)", arg, strings.Join(builtin.IDs(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("reading the module: %w", err)
	}
	return b, nil
}

// builtinArg reports whether arg names a built-in source rather than a
// file: a file of that name wins.
func builtinArg(arg string) (string, bool) {
	if _, err := os.Stat(arg); err == nil || !slices.Contains(builtin.IDs(), arg) {
		return "", false
	}
	return arg, true
}

// builtinResult is what describe prints for a built-in source.
type builtinResult struct {
	plugindescribe.Result
	Builtin bool `json:"builtin"`
}

// describeBuiltin prints the description `make plugins` stored with the
// built-in module, which is what data.sources holds in the cluster; the
// module is not compiled.
func describeBuiltin(w io.Writer, id string) error {
	d, err := builtin.Description(id)
	if err != nil {
		return err
	}
	wasm, _ := builtin.Module(id)
	sum := sha256.Sum256(wasm)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // descriptions are for people: <database>, not \u003cdatabase\u003e
	return enc.Encode(builtinResult{Result: plugindescribe.Result{SHA256: hex.EncodeToString(sum[:]), Description: d}, Builtin: true})
}

// exitError ends the process with code after cobra has printed err.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }
