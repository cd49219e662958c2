package ingest

import (
	"fmt"
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
