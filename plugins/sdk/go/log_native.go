//go:build !wasip1

package sdk

import "log/slog"

// Logger returns the plugin's logger: natively, slog.Default().
func Logger() *slog.Logger { return slog.Default() }
