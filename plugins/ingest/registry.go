package ingest

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/weir-dev/weir/plugins/source"
)

// Registry maps a source id, the key of a runs[] entry, to its source.
type Registry map[string]source.Source

// IDs lists the registry's source ids, sorted.
func (r Registry) IDs() []string {
	ids := make([]string, 0, len(r))
	for id := range r {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (r Registry) lookup(id string) (source.Source, error) {
	if s, ok := r[id]; ok && s != nil {
		return s, nil
	}
	if len(r) == 0 {
		return nil, fmt.Errorf("unknown source %q: this build of weir has no sources", id)
	}
	return nil, fmt.Errorf("unknown source %q; known sources: %s", id, strings.Join(r.IDs(), ", "))
}

// PluginLoader returns the source of a pipeline's plugin id. It should be
// lazy: fetch, verify and load the module when the source is first used.
type PluginLoader func(id string, p Plugin) (source.Source, error)

// withPlugins is r plus a source for each plugin, made by load. A plugin
// cannot take the id of a source r already has: built-ins are never
// replaced by a module from elsewhere.
func (r Registry) withPlugins(plugins map[string]Plugin, load PluginLoader) (Registry, error) {
	if len(plugins) == 0 {
		return r, nil
	}
	if load == nil {
		return nil, fmt.Errorf("plugins: this build of weir cannot load plugin modules")
	}
	out := make(Registry, len(r)+len(plugins))
	maps.Copy(out, r)
	var taken []string
	for _, id := range slices.Sorted(maps.Keys(plugins)) {
		if _, ok := r[id]; ok {
			taken = append(taken, id)
			continue
		}
		src, err := load(id, plugins[id])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", child("plugins", id), err)
		}
		out[id] = src
	}
	if len(taken) > 0 {
		return nil, fmt.Errorf("plugins: %s: built-in source ids cannot be replaced by a plugin", strings.Join(taken, ", "))
	}
	return out, nil
}
