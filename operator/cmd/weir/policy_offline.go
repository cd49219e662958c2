package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/catalog"
	"github.com/weir-dev/weir/operator/policybundles"
	"github.com/weir-dev/weir/operator/sourceplugins"
	"github.com/weir-dev/weir/policies/engine"
)

// sourcesRecorder keeps what a catalog publishes.
type sourcesRecorder struct{ sources map[string]any }

func (r *sourcesRecorder) SetSources(_ context.Context, s map[string]any) error {
	r.sources = s
	return nil
}

// offlineSources is data.sources as the operator publishes it (through
// operator/catalog, from the built-in modules' embedded descriptions and
// the usable SourcePlugins), so offline decisions on source configs are
// the cluster's. plugins are SourcePlugins as the cluster reports them.
func offlineSources(ctx context.Context, plugins []pluginsv1.SourcePlugin) (map[string]any, error) {
	rec := &sourcesRecorder{}
	c, err := catalog.New(rec)
	if err != nil {
		return nil, err
	}
	if err := c.Publish(ctx); err != nil {
		return nil, err
	}
	if err := c.SetPlugins(ctx, sourceplugins.Usable(plugins)); err != nil {
		return nil, err
	}
	return rec.sources, nil
}

// withOfflineSources gives every bundle data.sources, as the loader does.
func withOfflineSources(bundles []engine.Bundle, sources map[string]any) []engine.Bundle {
	out := make([]engine.Bundle, len(bundles))
	for i, b := range bundles {
		out[i] = policybundles.WithSources(b, sources)
	}
	return out
}

// undecided lists why the decision for in may differ in the cluster: what
// the policies read there that this process cannot see (lookups: the
// entries of input.related the cluster resolves for in, and what the files
// hold of them).
func undecided(in engine.Input, sources map[string]any, bundles []engine.Bundle, lookups []relatedLookup) []string {
	var out []string
	for _, b := range slices.SortedFunc(slices.Values(bundles), func(a, b engine.Bundle) int { return strings.Compare(a.Name, b.Name) }) {
		out = append(out, relatedUndecided(b, in, lookups)...)
	}
	if in.Object == nil || in.Kind.Group != runsv1.GroupVersion.Group || in.Kind.Kind != "Run" {
		return out
	}
	spec, _ := in.Object["spec"].(map[string]any)
	entries, _ := spec["runs"].([]any)
	for i, e := range entries {
		entry, _ := e.(map[string]any)
		if len(entry) != 1 {
			continue
		}
		for id := range entry {
			if _, known := sources[id]; !known {
				out = append(out, fmt.Sprintf("spec.runs[%d].%s: %q is not a built-in source; in the cluster a Ready SourcePlugin may provide it and decide this entry (pass it with --sourceplugins FILE, from kubectl get sourceplugins -o yaml)",
					i, id, id))
			}
		}
	}
	return out
}
