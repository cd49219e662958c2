package runs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"sigs.k8s.io/yaml"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/plugins/ingest"
)

// PipelineKey is the pipeline file's name in Job pods (and its key in the
// ConfigMap of a pipeline too large to travel inline, pipeline.go).
const PipelineKey = "pipeline.yaml"

// ConfigMountPath is where the pipeline file is mounted in Job pods.
const ConfigMountPath = "/config"

// ConfigMapName is the name of a Run's pipeline ConfigMap.
func ConfigMapName(run *runsv1.Run) string { return run.Name + "-config" }

// PluginRef is where a Job pod fetches the module of a SourcePlugin, and
// the only bytes it accepts: an entry of pipeline.yaml's plugins map,
// which `weir ingest` reads and `marmot ingest` ignores. The type is
// ingest's, so the block has one definition for writer and reader.
type PluginRef = ingest.PluginRef

// PluginLimits are a SourcePlugin's limits in pipeline.yaml: byte counts
// as integers, durations in Go's syntax (1m30s). Unset: the host default.
type PluginLimits = ingest.LimitsRef

// Sandbox is pipeline.yaml's sandbox key (ingest.Sandbox): which
// addresses the sources' modules may reach beyond the hosts their configs
// name. It comes from the operator's own configuration and never from a
// Run, whose spec.runs entries sit under runs and whose env reaches only
// the pod's environment, which `weir ingest` does not read for this.
type Sandbox = ingest.Sandbox

// RenderPipeline is RenderPipelineWith without sandbox settings.
func RenderPipeline(run *runsv1.Run, plugins map[string]PluginRef) ([]byte, error) {
	return RenderPipelineWith(run, plugins, Sandbox{})
}

// RenderPipelineWith renders the `marmot ingest` pipeline file of a Run: its
// name and its runs, verbatim, under plugins the modules of the
// SourcePlugins they use, and under sandbox the operator's network settings
// (neither: no such keys, so the file is the one Marmot would run).
// ${VAR} references are kept as text, so credentials stay in Secrets and are
// expanded only inside the pod. Every entry that cannot be rendered is
// reported; none is dropped.
func RenderPipelineWith(run *runsv1.Run, plugins map[string]PluginRef, sandbox Sandbox) ([]byte, error) {
	if len(run.Spec.Runs) == 0 {
		return nil, fmt.Errorf("spec.runs: at least one source is required")
	}
	entries := make([]json.RawMessage, 0, len(run.Spec.Runs))
	var errs []string
	for i, r := range run.Spec.Runs {
		raw := bytes.TrimSpace(r.Raw)
		var obj map[string]json.RawMessage
		if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
			errs = append(errs, fmt.Sprintf("spec.runs[%d]: must be an object with one key naming the source, for example {postgresql: {host: ...}}", i))
			continue
		}
		entries = append(entries, raw)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", joinLines(errs))
	}
	var sb *Sandbox
	if sandbox != (Sandbox{}) {
		sb = &sandbox
	}
	doc, err := json.Marshal(struct {
		Name    string               `json:"name"`
		Runs    []json.RawMessage    `json:"runs"`
		Plugins map[string]PluginRef `json:"plugins,omitempty"`
		Sandbox *Sandbox             `json:"sandbox,omitempty"`
	}{run.Name, entries, plugins, sb})
	if err != nil {
		return nil, fmt.Errorf("spec.runs: %w", err)
	}
	return yaml.JSONToYAML(doc)
}

// SourceIDs lists the source ids a Run's runs[] entries name (each entry's
// keys), once each, in order. Entries that are not objects are skipped:
// RenderPipeline reports them.
func SourceIDs(run *runsv1.Run) []string {
	var ids []string
	seen := map[string]bool{}
	for _, r := range run.Spec.Runs {
		var obj map[string]json.RawMessage
		if json.Unmarshal(r.Raw, &obj) != nil {
			continue
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				ids = append(ids, k)
			}
		}
	}
	return ids
}

func joinLines(s []string) string {
	var b bytes.Buffer
	for i, l := range s {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(l)
	}
	return b.String()
}
