package helm_test

import (
	"context"
	"strings"
	"testing"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/operator/policybundles"
	"github.com/weir-dev/weir/policies/engine"
)

// aliasArgs sets the image table as an admin would in values.yaml.
var aliasArgs = []string{
	"--set", "workspaces.imageAliases.uv=registry.example.com/jupyter/uv:1.2",
	"--set", "workspaces.imageAliases.scipy=registry.example.com/jupyter/scipy:2025.1",
}

// effectiveImage is the image the default bundle, as customised by pb (nil:
// as shipped), gives a Workspace without a template that says image: short.
func effectiveImage(t *testing.T, pb *policiesv1.PolicyBundle, short string) string {
	t.Helper()
	b := engine.DefaultBundle()
	if pb != nil {
		var err error
		if b, err = policybundles.EngineBundle(b, pb); err != nil {
			t.Fatalf("the rendered PolicyBundle default does not customise the embedded bundle: %v", err)
		}
	}
	e := engine.New()
	ctx := context.Background()
	if _, err := e.Load(ctx, b); err != nil {
		t.Fatalf("load: %v", err)
	}
	d, err := e.Decide(ctx, engine.Input{
		Kind:      engine.GroupVersionKind{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: "Workspace"},
		Operation: "CREATE",
		UserInfo:  engine.UserInfo{Username: "alice"},
		Namespace: "team-a",
		Name:      "ws",
		Object: map[string]any{
			"apiVersion": "workspace.jupyter.org/v1alpha1", "kind": "Workspace",
			"metadata": map[string]any{"name": "ws", "namespace": "team-a"},
			"spec":     map[string]any{"image": short, "desiredStatus": "Running"},
		},
		Related: map[string]any{},
	})
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	for _, op := range d.Patch {
		if op.Path == "/spec/image" {
			s, _ := op.Value.(string)
			return s
		}
	}
	return short
}

// The chart value workspaces.imageAliases becomes the PolicyBundle
// "default" whose data the operator merges over the embedded bundle's, so
// upstream's image: uv runs the admin's image, and a short name the admin
// adds resolves too.
func TestImageAliasesCustomiseTheDefaultBundle(t *testing.T) {
	if got, want := effectiveImage(t, nil, "uv"), "jk8s-application-jupyter-uv:latest"; got != want {
		t.Fatalf("as shipped, uv resolves to %q, want %q", got, want)
	}

	pb := named[policiesv1.PolicyBundle](t, render(t, aliasArgs...), "PolicyBundle", "default")
	for short, want := range map[string]string{
		"uv":    "registry.example.com/jupyter/uv:1.2",
		"scipy": "registry.example.com/jupyter/scipy:2025.1",
	} {
		if got := effectiveImage(t, &pb, short); got != want {
			t.Errorf("with the chart's PolicyBundle default, image %s resolves to %q, want %q", short, got, want)
		}
	}
	// Created before the webhooks and the manager, and left to the admin
	// afterwards: never recreated on upgrade (the manager would race it).
	if got := pb.Annotations["helm.sh/hook"]; got != "pre-install" {
		t.Errorf("helm.sh/hook = %q, want pre-install", got)
	}
	if got := pb.Annotations["helm.sh/hook-delete-policy"]; got != "before-hook-creation" {
		t.Errorf("helm.sh/hook-delete-policy = %q, want before-hook-creation (a reinstall replaces a kept one)", got)
	}
	if pb.Spec.EnforcementMode != "" || len(pb.Spec.Modules) != 0 {
		t.Errorf("the chart's default changes more than the image table: mode %q, %d modules", pb.Spec.EnforcementMode, len(pb.Spec.Modules))
	}
}

// helm lint --strict passes with the table set, as an admin installs it.
func TestImageAliasesLint(t *testing.T) {
	args := append([]string{"lint", "--strict", chartDir}, aliasArgs...)
	if out, err := helm(t, args...); err != nil {
		t.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Without the value the chart renders no PolicyBundle: the manager creates
// its empty "default" itself, and an admin's own one is left alone. With
// operator.enabled=false the chart installs CRDs only.
func TestImageAliasesRenderNothingUnlessSet(t *testing.T) {
	for _, args := range [][]string{nil, append([]string{"--set", "operator.enabled=false"}, aliasArgs...)} {
		for _, d := range render(t, args...) {
			if d.Kind == "PolicyBundle" {
				t.Errorf("helm template %v renders PolicyBundle %q", args, d.Name)
			}
		}
	}
}

// Bad values fail at render with a line naming the value and the fix.
func TestImageAliasesBadValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{append([]string{"--set", "policies.defaultBundle=false"}, aliasArgs...),
			[]string{"workspaces.imageAliases", "policies.defaultBundle=true"}},
		{[]string{"--set", "workspaces.imageAliases.uv="}, []string{"/workspaces/imageAliases/uv"}},
		{[]string{"--set", "workspaces.imageAliases=registry.example.com/uv"}, []string{"/workspaces/imageAliases"}},
	} {
		out, err := helm(t, append([]string{"template", "weir", chartDir, "--namespace", "weir"}, tc.args...)...)
		if err == nil {
			t.Errorf("helm template %v succeeded, want an error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("helm template %v: error does not say %q:\n%s", tc.args, w, out)
			}
		}
	}
}
