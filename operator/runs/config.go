package runs

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// PipelineKey is the ConfigMap key that holds the pipeline file.
const PipelineKey = "pipeline.yaml"

// ConfigMountPath is where the pipeline ConfigMap is mounted in Job pods.
const ConfigMountPath = "/config"

// ConfigMapName is the name of a Run's pipeline ConfigMap.
func ConfigMapName(run *runsv1.Run) string { return run.Name + "-config" }

// RenderPipeline renders the `marmot ingest` pipeline file of a Run: its name
// and its runs, verbatim. ${VAR} references are kept as text, so credentials
// stay in Secrets and are expanded only inside the pod. Every entry that
// cannot be rendered is reported; none is dropped.
func RenderPipeline(run *runsv1.Run) ([]byte, error) {
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
	doc, err := json.Marshal(struct {
		Name string            `json:"name"`
		Runs []json.RawMessage `json:"runs"`
	}{run.Name, entries})
	if err != nil {
		return nil, fmt.Errorf("spec.runs: %w", err)
	}
	return yaml.JSONToYAML(doc)
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
