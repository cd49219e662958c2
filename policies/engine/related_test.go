package engine

import (
	"slices"
	"testing"
)

func TestRelatedReaders(t *testing.T) {
	b := Bundle{Name: "b", Modules: map[string]string{
		"runs/ns.rego":           "package weir.runs\n\nwarn contains \"x\" if not input.related.namespace\n",
		"runs/plain.rego":        "package weir.runs\n\nwarn contains \"x\" if input.object\n",
		"runs/ns_test.rego":      "package weir.runs\n\ntest_x if input.related.namespace\n",
		"helpers/team.rego":      "package acme.team\n\nteam := input.related.namespace.metadata.labels.team\n",
		"workspaces/tmpl.rego":   "package weir.workspaces\n\nwarn contains \"x\" if not input.related.template\n",
		"workspaces/broken.rego": "package weir.workspaces\n\nwarn contains",
	}}
	run := GroupVersionKind{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"}
	if got, want := RelatedReaders(b, run), []string{"helpers/team.rego", "runs/ns.rego"}; !slices.Equal(got, want) {
		t.Errorf("Run: %q, want %q", got, want)
	}
	tmpl := GroupVersionKind{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: "WorkspaceTemplate"}
	if got, want := RelatedReaders(b, tmpl), []string{"helpers/team.rego", "workspaces/tmpl.rego"}; !slices.Equal(got, want) {
		t.Errorf("WorkspaceTemplate: %q, want %q", got, want)
	}
	// The embedded bundle: only the Workspace rules read related.
	if got := RelatedReaders(DefaultBundle(), run); len(got) > 0 {
		t.Errorf("embedded bundle, Run: %q, want none", got)
	}
	ws := GroupVersionKind{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: "Workspace"}
	if got := RelatedReaders(DefaultBundle(), ws); !slices.Contains(got, "workspaces/workspace.rego") {
		t.Errorf("embedded bundle, Workspace: %q, want workspaces/workspace.rego", got)
	}
}
