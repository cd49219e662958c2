// Package policies loads PolicyBundle resources into the policy engine that
// serves admission: each bundle is compiled when it changes, the last good
// revision of every bundle stays in force while a newer one fails, and the
// whole set is swapped into the engine at once.
package policybundles

import "github.com/weir-dev/weir/policies/engine"

// Options configure the PolicyBundle controller.
type Options struct {
	// Engine is the engine the admission webhooks decide with; the
	// controller is the only one that loads it.
	Engine *engine.Engine
	// DefaultEnabled keeps Weir's embedded bundle in force, customised by
	// the PolicyBundle named "default". Without it only the cluster's own
	// bundles decide.
	DefaultEnabled bool
	// LastGood, when set, keeps each bundle's last good spec across
	// restarts (the leader saves it); nil keeps it in memory only.
	LastGood LastGoodStore
}
