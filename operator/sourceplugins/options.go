// Package sourceplugins reconciles SourcePlugin resources: it fetches
// each module once, refuses any bytes but the ones spec.sha256 names,
// loads the module in the wasm sandbox to read its description, and
// publishes that description (id, version, config schema, capabilities)
// in status for the Run controller and the admission policies.
package sourceplugins

import (
	"context"
	"log/slog"

	"github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/plugins/model"
)

// Options configure the SourcePlugin controller.
type Options struct {
	// CacheDir keeps verified modules by digest across restarts; ""
	// keeps none on disk.
	CacheDir string
	// CAFile is a PEM bundle trusted besides the system's roots when
	// fetching modules (a private server or registry; tests).
	CAFile string
	// OnReady, when set, receives the description of every usable
	// SourcePlugin by id whenever that set changes. It runs on every
	// replica, leader or not, from the SourcePlugins' status, so every
	// replica's admission webhooks know the same sources.
	OnReady func(ctx context.Context, plugins map[string]model.Description) error
	// Logger gets what modules log while they describe themselves in this
	// process (Describe nil); nil means slog.Default().
	Logger *slog.Logger
	// Describe reads a verified module's description; nil describes it
	// in this process (the manager passes a child process).
	Describe describe.Func
}
