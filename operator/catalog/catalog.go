// Package catalog tells the policies which sources exist and what their
// configs look like: data.sources, one entry per source id with its
// config schema, from the built-in modules and, as they become Ready,
// SourcePlugins. The policies then check each runs[] entry of a Run
// against the schema of the source it names.
package catalog

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/go-logr/logr"

	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/policies/engine"
)

// Publisher receives data.sources (operator/policybundles.Loader.SetSources).
type Publisher interface {
	SetSources(ctx context.Context, sources map[string]any) error
}

// Catalog merges the built-in sources with the SourcePlugins' and
// publishes the result whenever it changes.
type Catalog struct {
	pub     Publisher
	mu      sync.Mutex
	builtin map[string]any
	plugins map[string]any
}

// New reads the built-ins' descriptions, which `make plugins` stored with
// their modules: no module is compiled in the operator.
func New(pub Publisher) (*Catalog, error) {
	c := &Catalog{pub: pub, builtin: map[string]any{}, plugins: map[string]any{}}
	for _, id := range builtin.IDs() {
		d, err := builtin.Description(id)
		if err != nil {
			return nil, err
		}
		if err := engine.CheckSchemaRefs(fmt.Sprintf("built-in source %s: config schema", id), d.ConfigSchema); err != nil {
			return nil, err
		}
		c.builtin[id] = entry(d, true)
	}
	return c, nil
}

// Publish sends the current catalogue; call it once at start.
func (c *Catalog) Publish(ctx context.Context) error {
	c.mu.Lock()
	all := c.merged()
	c.mu.Unlock()
	return c.pub.SetSources(ctx, all)
}

// SetPlugins replaces the SourcePlugins' part (Ready ones only, by id)
// and publishes when it changed. A plugin cannot shadow a built-in, and
// one whose schema has a "$ref" outside itself is left out (and logged):
// every bundle would be refused with it in data.sources.
func (c *Catalog) SetPlugins(ctx context.Context, plugins map[string]model.Description) error {
	next := make(map[string]any, len(plugins))
	for id, d := range plugins {
		if _, taken := c.builtin[id]; taken {
			continue
		}
		if err := engine.CheckSchemaRefs(fmt.Sprintf("source %s: config schema", id), d.ConfigSchema); err != nil {
			logr.FromContextOrDiscard(ctx).Error(err, "leaving a SourcePlugin out of the policies' sources", "source", id)
			continue
		}
		next[id] = entry(d, false)
	}
	c.mu.Lock()
	if equalJSON(c.plugins, next) {
		c.mu.Unlock()
		return nil
	}
	c.plugins = next
	all := c.merged()
	c.mu.Unlock()
	return c.pub.SetSources(ctx, all)
}

// IDs lists every source id known now.
func (c *Catalog) IDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.builtin)+len(c.plugins))
	for id := range c.merged() {
		out = append(out, id)
	}
	return out
}

func (c *Catalog) merged() map[string]any {
	all := make(map[string]any, len(c.builtin)+len(c.plugins))
	maps.Copy(all, c.plugins)
	maps.Copy(all, c.builtin)
	return all
}

func entry(d model.Description, isBuiltin bool) map[string]any {
	schema := d.ConfigSchema
	if schema == nil {
		schema = map[string]any{} // accepts any config
	}
	return map[string]any{"schema": schema, "builtin": isBuiltin, "version": d.Version}
}
