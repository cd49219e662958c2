package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"sigs.k8s.io/yaml"

	"github.com/weir-dev/weir/test/samples"
)

const templateSample = "workspace_v1alpha1_workspacetemplate_production.yaml"

// sample reads one upstream manifest as the API server would send it.
func sample(t testing.TB, file string) map[string]any {
	t.Helper()
	// The upstream samples, from the shared folder beside the repository
	// (never copied into it).
	raw, err := os.ReadFile(filepath.Join(samples.Dir(t), file))
	if err != nil {
		t.Fatalf("upstream sample: %v", err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return obj
}

// workspaceInput is alice's CREATE of ws in namespace team-a, with the
// template resolved into related as the webhook and the controller do.
func workspaceInput(ws, template map[string]any) Input {
	related := map[string]any{}
	if template != nil {
		related["template"] = template
	}
	md, _ := ws["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	return Input{
		Kind:      GroupVersionKind{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: "Workspace"},
		Operation: "CREATE",
		UserInfo:  UserInfo{Username: "alice", Groups: []string{"system:authenticated"}},
		Namespace: "team-a",
		Name:      name,
		Object:    ws,
		Related:   related,
	}
}

// applyPatch applies a decision's patch as the mutating webhook does.
func applyPatch(t testing.TB, obj map[string]any, ops []PatchOp) map[string]any {
	t.Helper()
	doc, _ := json.Marshal(obj)
	raw, _ := json.Marshal(ops)
	p, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		t.Fatal(err)
	}
	if doc, err = p.Apply(doc); err != nil {
		t.Fatalf("patch %s: %v", raw, err)
	}
	var out map[string]any
	if err := json.Unmarshal(doc, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPackage(t *testing.T) {
	for k, want := range map[GroupVersionKind]string{
		{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: "Workspace"}:         "workspaces",
		{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: "WorkspaceTemplate"}: "workspaces",
		{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"}:                  "runs",
		{Group: "policies.weir.dev", Version: "v1alpha1", Kind: "PolicyBundle"}:          "policybundles",
	} {
		if got := Package(k); got != want {
			t.Errorf("Package(%v) = %q, want %q", k, got, want)
		}
	}
}

// Every kind of workspace.jupyter.org reaches package weir.workspaces,
// whatever its plural: a bundle's rule there sees a WorkspaceTemplate too.
func TestDecideRoutesWorkspaceGroup(t *testing.T) {
	e := loaded(t, Bundle{Name: "b", Modules: map[string]string{"w.rego": `package weir.workspaces

warn contains sprintf("saw %s", [input.kind.kind])
`}})
	for _, kind := range []string{"Workspace", "WorkspaceTemplate"} {
		in := Input{Kind: GroupVersionKind{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: kind}, Operation: "CREATE",
			Object: map[string]any{"kind": kind}}
		d := decide(t, e, in)
		if len(d.Warnings) != 1 || d.Warnings[0].Message != "saw "+kind {
			t.Errorf("%s: warnings %+v, want [saw %s]", kind, d.Warnings, kind)
		}
	}
}

// The template sample and the Workspace that uses it: the patch fills in
// what the template says, and the patched Workspace, decided again as the
// validating webhook sees it, is within every bound.
func TestDecideWorkspaceInheritsFromTemplate(t *testing.T) {
	e := loaded(t, DefaultBundle())
	template := sample(t, templateSample)
	ws := sample(t, "workspace_v1alpha1_workspace_with_template.yaml")
	d := decide(t, e, workspaceInput(ws, template))
	if !d.Allowed() || len(d.Warnings) > 0 {
		t.Fatalf("decision = %+v, want only a patch", d)
	}
	for _, op := range d.Patch {
		if op.Bundle != DefaultBundleName || !strings.HasPrefix(op.Policy, "workspaces.") {
			t.Errorf("op %+v from %s/%s", op, op.Bundle, op.Policy)
		}
	}
	got := applyPatch(t, ws, d.Patch)
	want := map[string]any{
		"displayName":   "Workspace Using Template",
		"templateRef":   "production-notebook-template",
		"desiredStatus": "Running",
		"ownershipType": "Public",
		"image":         "jk8s-application-jupyter-uv:latest",
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "200m", "memory": "256Mi"},
			"limits":   map[string]any{"cpu": "500m", "memory": "512Mi"},
		},
		"storage": map[string]any{"size": "1Gi", "mountPath": "/home/jovyan", "reclaimPolicy": "Retain"},
		"env": []any{
			map[string]any{"name": "JUPYTER_ENABLE_LAB", "value": "yes"},
			map[string]any{"name": "ENVIRONMENT", "value": "production"},
		},
	}
	if !reflect.DeepEqual(got["spec"], want) {
		t.Errorf("patched spec = %v\nwant %v", got["spec"], want)
	}
	md := got["metadata"].(map[string]any)
	if a := md["annotations"]; !reflect.DeepEqual(a, map[string]any{"workspace.jupyter.org/created-by": "alice"}) {
		t.Errorf("annotations = %v, want the owner alice", a)
	}
	if l := md["labels"].(map[string]any)["workspace.jupyter.org/template"]; l != "production-notebook-template" {
		t.Errorf("template label = %v", l)
	}
	if again := decide(t, e, workspaceInput(got, template)); !again.Allowed() || len(again.Warnings)+len(again.Patch) > 0 {
		t.Errorf("the patched Workspace: %+v, want nothing more to say", again)
	}
}

// Every upstream Workspace sample is admitted without a word; the ones
// that leave image out or say uv get upstream's JupyterLab image.
func TestDecideWorkspaceSamples(t *testing.T) {
	e := loaded(t, DefaultBundle())
	template := sample(t, templateSample)
	files, err := filepath.Glob(filepath.Join(samples.Dir(t), "*.yaml"))
	if err != nil || len(files) < 9 {
		t.Fatalf("samples: %v %v", files, err)
	}
	n := 0
	for _, f := range files {
		obj := sample(t, filepath.Base(f))
		if obj["kind"] != "Workspace" {
			continue
		}
		n++
		d := decide(t, e, workspaceInput(obj, template))
		if !d.Allowed() || len(d.Warnings) > 0 {
			t.Errorf("%s: %+v, want no denial or warning", filepath.Base(f), d)
			continue
		}
		spec := applyPatch(t, obj, d.Patch)["spec"].(map[string]any)
		image, _ := obj["spec"].(map[string]any)["image"].(string)
		if want := image; image == "" || image == "uv" {
			if want = "jk8s-application-jupyter-uv:latest"; spec["image"] != want {
				t.Errorf("%s: image %v, want %s", filepath.Base(f), spec["image"], want)
			}
		} else if spec["image"] != want {
			t.Errorf("%s: image %v rewritten, want %s", filepath.Base(f), spec["image"], want)
		}
	}
	if n < 8 {
		t.Errorf("decided %d Workspace samples, want every one", n)
	}
}

// The template sample's bounds, broken one by one: one line per problem,
// naming the field; warnings at admission by default, denials when the
// data says deny, and always at reconcile.
func TestDecideWorkspaceBounds(t *testing.T) {
	template := sample(t, templateSample)
	ws := sample(t, "workspace_v1alpha1_workspace_with_template.yaml")
	spec := ws["spec"].(map[string]any)
	spec["image"] = "jupyter/scipy-notebook:latest"
	spec["resources"] = map[string]any{"limits": map[string]any{"cpu": "3", "nvidia.com/gpu": "2"}, "requests": map[string]any{"memory": "64Mi"}}
	spec["storage"] = map[string]any{"size": "50Mi"}
	want := []string{
		"spec.image: jupyter/scipy-notebook:latest is not allowed by template production-notebook-template; use one of jk8s-application-jupyter-uv:latest, or leave image out for jk8s-application-jupyter-uv:latest",
		"spec.resources.limits.cpu: 3 is above the maximum of template production-notebook-template; ask for at most 2 cpu",
		`spec.resources.limits["nvidia.com/gpu"]: 2 is above the maximum of template production-notebook-template; ask for at most 1 nvidia.com/gpu`,
		"spec.resources.requests.memory: 64Mi is below the minimum of template production-notebook-template; ask for at least 128Mi memory",
		"spec.storage.size: 50Mi is below the minimum of template production-notebook-template; ask for at least 100Mi",
	}
	lines := func(vs []Violation) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.String()
		}
		slices.Sort(out)
		return out
	}

	d := decide(t, loaded(t, DefaultBundle()), workspaceInput(ws, template))
	if !d.Allowed() || !slices.Equal(lines(d.Warnings), want) {
		t.Errorf("admission: denials %q\nwarnings %q\nwant the warnings %q", lines(d.Denials), lines(d.Warnings), want)
	}

	strict := DefaultBundle()
	strict.Data["settings"].(map[string]any)["workspaces"].(map[string]any)["enforcement"] = "deny"
	d = decide(t, loaded(t, strict), workspaceInput(ws, template))
	if !slices.Equal(lines(d.Denials), want) || len(d.Warnings) > 0 {
		t.Errorf("enforcement deny: denials %q, warnings %q", lines(d.Denials), lines(d.Warnings))
	}

	in := workspaceInput(ws, template)
	in.UserInfo = UserInfo{Username: "system:weir:reconcile"}
	d = decide(t, loaded(t, DefaultBundle()), in)
	if !slices.Equal(lines(d.Denials), want) || len(d.Warnings) > 0 {
		t.Errorf("reconcile: denials %q, warnings %q", lines(d.Denials), lines(d.Warnings))
	}
}

// A templateRef to a template that does not exist: a warning at
// admission, a denial the controller reports as TemplateNotFound.
func TestDecideWorkspaceTemplateNotFound(t *testing.T) {
	e := loaded(t, DefaultBundle())
	ws := sample(t, "workspace_v1alpha1_workspace_with_template.yaml")
	d := decide(t, e, workspaceInput(ws, nil))
	if !d.Allowed() || !slices.Equal(policyIDs(d.Warnings), []string{"workspaces.template-not-found"}) {
		t.Fatalf("admission: %+v, want the template-not-found warning", d)
	}
	if w := d.Warnings[0]; w.Field != "spec.templateRef" || !strings.Contains(w.Message, `"production-notebook-template" does not exist`) {
		t.Errorf("warning = %+v", w)
	}
	in := workspaceInput(ws, nil)
	in.UserInfo = UserInfo{Username: "system:weir:reconcile"}
	if d := decide(t, e, in); !slices.Equal(policyIDs(d.Denials), []string{"workspaces.template-not-found"}) {
		t.Errorf("reconcile: %+v, want the template-not-found denial", d)
	}
}

// OwnerOnly: the owner stamped at CREATE may change the Workspace; anyone
// else is refused, and nobody may forge the owner.
func TestDecideWorkspaceOwnerOnly(t *testing.T) {
	e := loaded(t, DefaultBundle())
	template := sample(t, templateSample)
	ws := sample(t, "workspace_v1alpha1_workspace_with_template.yaml")
	ws["spec"].(map[string]any)["ownershipType"] = "OwnerOnly"
	created := decide(t, e, workspaceInput(ws, template))
	stored := applyPatch(t, ws, created.Patch)

	stopped := applyPatch(t, stored, []PatchOp{{Op: "replace", Path: "/spec/desiredStatus", Value: "Stopped"}})
	update := func(user string) Input {
		in := workspaceInput(stopped, template)
		in.Operation, in.OldObject, in.UserInfo = "UPDATE", stored, UserInfo{Username: user}
		return in
	}
	if d := decide(t, e, update("alice")); !d.Allowed() {
		t.Errorf("the owner's update: %+v", d.Denials)
	}
	d := decide(t, e, update("bob"))
	if !slices.Equal(policyIDs(d.Denials), []string{"workspaces.owner-only"}) {
		t.Fatalf("bob's update: %+v, want the owner-only denial", d)
	}
	if want := "Workspace workspace-with-template is OwnerOnly: only its owner (alice) and cluster admins may update it"; d.Denials[0].Message != want {
		t.Errorf("message %q, want %q", d.Denials[0].Message, want)
	}

	forged := applyPatch(t, ws, []PatchOp{{Op: "add", Path: "/metadata/annotations", Value: map[string]any{"workspace.jupyter.org/created-by": "mallory"}}})
	if d := decide(t, e, workspaceInput(forged, template)); !slices.Equal(policyIDs(d.Denials), []string{"workspaces.owner"}) {
		t.Errorf("forged owner: %+v, want the owner denial", d)
	}
}

// The template sample agrees with itself; the same template with a default
// outside its own bounds is refused, naming the field.
func TestDecideWorkspaceTemplateSample(t *testing.T) {
	e := loaded(t, DefaultBundle())
	template := sample(t, templateSample)
	in := Input{Kind: GroupVersionKind{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: "WorkspaceTemplate"},
		Operation: "CREATE", UserInfo: UserInfo{Username: "admin", Groups: []string{"system:masters"}},
		Name: "production-notebook-template", Object: template}
	if d := decide(t, e, in); !d.Allowed() || len(d.Warnings)+len(d.Patch) > 0 {
		t.Errorf("template sample: %+v, want nothing to say", d)
	}
	in.Object = applyPatch(t, template, []PatchOp{{Op: "replace", Path: "/spec/defaultResources/limits/memory", Value: "8Gi"}})
	d := decide(t, e, in)
	if len(d.Denials) != 1 || d.Denials[0].String() != "spec.defaultResources.limits.memory: 8Gi is outside the template's own resourceBounds (128Mi to 4Gi); pick a default within them" {
		t.Errorf("template with a default above its max: %+v", d.Denials)
	}
}
