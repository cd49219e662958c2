//go:build wasip1

package sdk

import "log/slog"

var logger = slog.New(newHostHandler(func(level slog.Level, record []byte) {
	hostLog(int32(level), ptrOf(record), uint32(len(record)))
}))

// Logger returns the plugin's logger, whose records go to the host's
// logger tagged with the plugin.
func Logger() *slog.Logger { return logger }

func init() {
	// Libraries that log through slog or the log package reach the host
	// too, instead of unstructured stderr.
	slog.SetDefault(logger)
}
