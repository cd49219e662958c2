package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/weir-dev/weir/policies/engine"
	"github.com/weir-dev/weir/test/samples"
)

const (
	templateFile  = "workspace_v1alpha1_workspacetemplate_production.yaml"
	withTemplate  = "workspace_v1alpha1_workspace_with_template.yaml"
	templateName  = "production-notebook-template"
	notInTheFiles = "WorkspaceTemplate " + templateName + " is not in the files given"
)

// sampleText is one upstream sample as its file holds it.
func sampleText(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(samples.Dir(t), file))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func object(t *testing.T, manifest string) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(manifest), &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// greedy asks for more cpu than the production template allows (2).
const greedy = `apiVersion: workspace.jupyter.org/v1alpha1
kind: Workspace
metadata:
  name: greedy
  namespace: team-a
spec:
  templateRef: production-notebook-template
  resources:
    limits: {cpu: "3", memory: 1Gi}
`

// engineDecision is what the cluster decides for eval's CREATE of ws,
// built apart from eval: the embedded bundle, with the template resolved
// into related as the webhook resolves it.
func engineDecision(t *testing.T, ws, template map[string]any, bundles ...engine.Bundle) engine.Decision {
	t.Helper()
	if len(bundles) == 0 {
		bundles = []engine.Bundle{engine.DefaultBundle()}
	}
	eng := engine.New()
	if _, err := eng.Load(context.Background(), bundles...); err != nil {
		t.Fatal(err)
	}
	md := ws["metadata"].(map[string]any)
	d, err := eng.Decide(context.Background(), engine.Input{
		Kind:      engine.GroupVersionKind{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: "Workspace"},
		Operation: "CREATE",
		UserInfo:  engine.UserInfo{Username: "weir-policy-eval"},
		Namespace: md["namespace"].(string),
		Name:      md["name"].(string),
		Object:    ws,
		Related:   map[string]any{"template": template},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// kubectlLines are the lines kubectl apply shows for d: a warning's after
// "Warning: ", a denial's in the refusal (the webhooks' wording).
func kubectlLines(label string, vs []engine.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, "  "+label+strings.Repeat(" ", 7-len(label))+v.Field+": "+v.Message+" (policy "+v.Policy+")")
	}
	return out
}

func patchJSON(t *testing.T, ops []engine.PatchOp) string {
	t.Helper()
	raw, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// evalJSON is `weir policy eval -o json -f path ARGS`, the result for the
// object described as object.
func evalJSON(t *testing.T, path, object string, args ...string) (evalResult, error) {
	t.Helper()
	out, err := runPolicy(t, append([]string{"eval", "-o", "json", "-f", path}, args...)...)
	var results []evalResult
	if jerr := json.Unmarshal([]byte(out[:strings.LastIndex(out, "]")+1]), &results); jerr != nil {
		t.Fatalf("eval output (%v): %s", jerr, out)
	}
	for _, r := range results {
		if r.Object == object {
			return r, err
		}
	}
	t.Fatalf("no result for %s in %s", object, out)
	return evalResult{}, err
}

// A template and a Workspace that breaks its cpu bound, in one file: eval
// resolves related.template from the file and shows the lines the engine
// decides with the template resolved, as kubectl apply would show them:
// warnings by default, denials when the bundle's data says deny.
func TestPolicyEvalWorkspaceAgainstTemplateInFile(t *testing.T) {
	template := sampleText(t, templateFile)
	file := filepath.Join(writeFiles(t, map[string]string{"all.yaml": template + "\n---\n" + greedy}), "all.yaml")

	want := engineDecision(t, object(t, greedy), object(t, template))
	if len(want.Warnings) == 0 || want.Warnings[0].Policy != "workspaces.resource-bounds" || len(want.Denials) > 0 {
		t.Fatalf("the engine, with the template, should warn about the cpu bound: %+v", want)
	}
	out, err := runPolicy(t, "eval", "-f", file)
	if err != nil {
		t.Fatalf("warnings only: %v\n%s", err, out)
	}
	for _, line := range append(kubectlLines("warn", want.Warnings),
		"Workspace team-a/greedy: allowed (policy revision ",
		"  warn   spec.resources.limits.cpu: 3 is above the maximum of template production-notebook-template; ask for at most 2 cpu (policy workspaces.resource-bounds)\n",
		"WorkspaceTemplate "+templateName+": allowed (policy revision ") {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, "undecided") || strings.Contains(out, "does not exist") {
		t.Errorf("the template is in the file, yet:\n%s", out)
	}
	r, err := evalJSON(t, file, "Workspace team-a/greedy")
	if err != nil || !equalVerdicts(verdictOf(r.Allowed, r.Denials, r.Warnings), verdictOf(want.Allowed(), want.Denials, want.Warnings)) ||
		patchJSON(t, r.Patch) != patchJSON(t, want.Patch) || len(r.Undecided) > 0 {
		t.Errorf("eval: %+v (%v)\nengine: %+v", r, err, want)
	}

	// enforcement deny, as an admin sets it in the default PolicyBundle
	strict := filepath.Join(writeFiles(t, map[string]string{"pb.yaml": `apiVersion: policies.weir.dev/v1alpha1
kind: PolicyBundle
metadata: {name: default}
spec:
  data: {settings: {workspaces: {enforcement: deny}}}
`}), "pb.yaml")
	bundles, err := loadBundles([]string{strict})
	if err != nil {
		t.Fatal(err)
	}
	want = engineDecision(t, object(t, greedy), object(t, template), bundles...)
	if len(want.Denials) == 0 {
		t.Fatalf("the engine with enforcement deny denies nothing: %+v", want)
	}
	out, err = runPolicy(t, "eval", "-f", file, "--bundle", strict)
	if exitCode(err) != 1 || !strings.Contains(out, "Workspace team-a/greedy: DENIED (policy revision ") {
		t.Errorf("enforcement deny: exit %d (%v)\n%s", exitCode(err), err, out)
	}
	for _, line := range kubectlLines("deny", want.Denials) {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
}

// The sample Workspace alone names a template eval was not given: its
// decision depends on the cluster, and eval says which template is
// missing and exits 2.
func TestPolicyEvalWorkspaceWithoutItsTemplate(t *testing.T) {
	file := filepath.Join(writeFiles(t, map[string]string{"ws.yaml": sampleText(t, withTemplate)}), "ws.yaml")
	out, err := runPolicy(t, "eval", "-f", file)
	if exitCode(err) != exitUndecided {
		t.Errorf("exit %d (%v), want %d", exitCode(err), err, exitUndecided)
	}
	if !strings.Contains(out, "Workspace default/workspace-with-template: allowed offline; the cluster may decide otherwise") ||
		!strings.Contains(out, "  undecided "+notInTheFiles+": bundle default reads input.related.template ([workspaces/workspace.rego])") {
		t.Errorf("output does not name the missing template:\n%s", out)
	}
	// A Workspace without a templateRef needs none.
	plain := filepath.Join(writeFiles(t, map[string]string{"ws.yaml": sampleText(t, "workspace_v1alpha1_workspace_with_storage.yaml")}), "ws.yaml")
	if r, err := evalJSON(t, plain, "Workspace default/workspace-with-storage"); err != nil || len(r.Undecided) > 0 {
		t.Errorf("no templateRef: %v, undecided %q", err, r.Undecided)
	}
}

// The template and the Workspace in two files of a directory (the
// Workspace read first), or given with two -f, decide together: the template's defaults are in
// the patch, as the engine computes them with the template resolved.
func TestPolicyEvalWorkspaceAndTemplateInDirectory(t *testing.T) {
	template, ws := sampleText(t, templateFile), sampleText(t, withTemplate)
	dir := writeFiles(t, map[string]string{"1-workspace.yaml": ws, "2-template.yaml": template})

	r, err := evalJSON(t, dir, "Workspace default/workspace-with-template")
	want := engineDecision(t, withNamespace(object(t, ws), "default"), object(t, template))
	if err != nil || len(r.Undecided) > 0 || !r.Allowed || len(r.Warnings) > 0 {
		t.Fatalf("exit %d (%v), %+v; want decided, allowed, no warning", exitCode(err), err, r)
	}
	if got := patchJSON(t, r.Patch); got != patchJSON(t, want.Patch) || !strings.Contains(got, `"path":"/spec/image","value":"jk8s-application-jupyter-uv:latest"`) ||
		!strings.Contains(got, `{"name":"ENVIRONMENT","value":"production"}`) {
		t.Errorf("patch %s\nengine %s", got, patchJSON(t, want.Patch))
	}

	// The same from two -f, as kubectl apply takes them.
	r, err = evalJSON(t, filepath.Join(dir, "1-workspace.yaml"), "Workspace default/workspace-with-template", "-f", filepath.Join(dir, "2-template.yaml"))
	if err != nil || len(r.Undecided) > 0 || patchJSON(t, r.Patch) != patchJSON(t, want.Patch) {
		t.Errorf("two -f: exit %d (%v), %+v", exitCode(err), err, r)
	}
}

// related.template is the template as the API server returns it, by the
// cluster's resolver: the object of the file, without a namespace even
// when it was given one.
func TestRelatedTemplateFromFiles(t *testing.T) {
	template := object(t, sampleText(t, templateFile))
	given := object(t, sampleText(t, templateFile))
	given["metadata"].(map[string]any)["namespace"] = "team-a"
	ws := object(t, sampleText(t, withTemplate))
	files := indexObjects([]map[string]any{given, ws})
	in, err := admissionInput(ws, "CREATE", "")
	if err != nil {
		t.Fatal(err)
	}
	related, lookups, err := files.resolveRelated(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := related["template"].(map[string]any)
	if !reflect.DeepEqual(got["spec"], template["spec"]) || !reflect.DeepEqual(got["metadata"].(map[string]any)["name"], templateName) ||
		got["metadata"].(map[string]any)["namespace"] != nil || got["kind"] != "WorkspaceTemplate" {
		t.Errorf("related.template = %v\nwant %v", got, template)
	}
	// The Namespace is not in the files: resolved in the cluster, missing here.
	if want := []relatedLookup{{key: "namespace", missing: []string{"Namespace default"}}, {key: "template", found: true}}; !reflect.DeepEqual(lookups, want) {
		t.Errorf("lookups = %+v, want %+v", lookups, want)
	}
	tin, err := admissionInput(given, "CREATE", "")
	if err != nil || tin.Namespace != "" || describe(tin) != "WorkspaceTemplate "+templateName {
		t.Errorf("a cluster-scoped request has no namespace: %q, %s (%v)", tin.Namespace, describe(tin), err)
	}
}

func withNamespace(obj map[string]any, ns string) map[string]any {
	obj["metadata"].(map[string]any)["namespace"] = ns
	return obj
}
