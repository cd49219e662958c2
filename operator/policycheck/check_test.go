package policycheck_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/policycheck"
	"github.com/weir-dev/weir/policies/engine"
	"github.com/weir-dev/weir/test/samples"
)

var (
	runKind       = runsv1.GroupVersion.WithKind("Run")
	workspaceKind = wsv1.GroupVersion.WithKind("Workspace")
)

func defaultEngine(t *testing.T) *engine.Engine {
	t.Helper()
	eng := engine.New()
	if _, err := eng.Load(context.Background(), engine.DefaultBundle()); err != nil {
		t.Fatal(err)
	}
	return eng
}

// decode reads a manifest into a typed object, as a controller reads it
// from its cache: no TypeMeta.
func decode[T any](t *testing.T, manifest []byte, obj *T) *T {
	t.Helper()
	if err := yaml.UnmarshalStrict(manifest, obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

func run(t *testing.T, password string) *runsv1.Run {
	r := decode(t, []byte(`
metadata: {name: r, namespace: team-a, generation: 3}
spec: {runs: [{postgresql: {host: db, user: u, password: "`+password+`"}}]}`), &runsv1.Run{})
	return r
}

func TestCheckAllowsARunAsTheRunControllerSaysIt(t *testing.T) {
	res, err := policycheck.Check(context.Background(), defaultEngine(t), run(t, "${PG_PASSWORD}"), runKind, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := metav1.Condition{Type: "Valid", Status: metav1.ConditionTrue, Reason: "PolicyAllowed",
		Message: "the policies in force allow this Run", ObservedGeneration: 3}
	if res.Condition != want || !res.Allowed() || res.Revision == "" {
		t.Errorf("result = %+v, want condition %+v", res, want)
	}
}

func TestCheckDeniesWithEveryDenialInTheCondition(t *testing.T) {
	res, err := policycheck.Check(context.Background(), defaultEngine(t), run(t, "hunter2"), runKind, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Condition
	if res.Allowed() || c.Status != metav1.ConditionFalse || c.Reason != policycheck.ReasonPolicyDenied || len(res.Denials) == 0 {
		t.Fatalf("result = %+v, want a denial", res)
	}
	if !strings.HasPrefix(c.Message, "denied by policy: spec.runs[0].postgresql.password: literal secret") ||
		!strings.Contains(c.Message, "(policy runs.literal-secret)") {
		t.Errorf("message = %q", c.Message)
	}
}

func TestCheckWithoutEngineAllows(t *testing.T) {
	res, err := policycheck.Check(context.Background(), nil, run(t, "hunter2"), runKind, nil)
	if err != nil || !res.Allowed() || res.Condition.Message != "policy checks are off" {
		t.Errorf("result = %+v, %v", res, err)
	}
}

func TestCheckWithoutDecisionIsAnError(t *testing.T) {
	res, err := policycheck.Check(context.Background(), engine.New(), run(t, "x"), runKind, nil)
	if !errors.Is(err, engine.ErrNoRevision) {
		t.Fatalf("err = %v, want ErrNoRevision", err)
	}
	c := res.Condition
	if res.Allowed() || c.Reason != policycheck.ReasonPolicyError || !strings.HasPrefix(c.Message, "policy decision failed: ") {
		t.Errorf("condition = %+v", c)
	}
}

func TestInputIsAReconcileCreate(t *testing.T) {
	related := map[string]any{"namespace": map[string]any{"metadata": map[string]any{"name": "team-a"}}}
	in, err := policycheck.Input(run(t, "x"), runKind, related)
	if err != nil {
		t.Fatal(err)
	}
	if in.Object["apiVersion"] != "runs.marmotdata.io/v1alpha1" || in.Object["kind"] != "Run" ||
		in.Kind != (engine.GroupVersionKind{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"}) ||
		in.Operation != "CREATE" || in.UserInfo.Username != "system:weir:reconcile" ||
		in.Namespace != "team-a" || in.Name != "r" || in.OldObject != nil || in.Related["namespace"] == nil {
		t.Errorf("input = %+v", in)
	}
}

func sample(t *testing.T, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(samples.Dir(t), file))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// The upstream template and the Workspace that uses it: the patch the
// Workspace controller gets back, applied to a copy, is the effective
// spec the template says.
func TestCheckGivesTheWorkspaceItsTemplate(t *testing.T) {
	var template map[string]any
	if err := yaml.Unmarshal(sample(t, "workspace_v1alpha1_workspacetemplate_production.yaml"), &template); err != nil {
		t.Fatal(err)
	}
	ws := decode(t, sample(t, "workspace_v1alpha1_workspace_with_template.yaml"), &wsv1.Workspace{})
	ws.TypeMeta = metav1.TypeMeta{}
	ws.Namespace = "team-a"
	res, err := policycheck.Check(context.Background(), defaultEngine(t), ws, workspaceKind, map[string]any{"template": template})
	if err != nil || !res.Allowed() || len(res.Patch) == 0 {
		t.Fatalf("result = %+v, %v; want allowed with a patch", res, err)
	}
	eff := ws.DeepCopy()
	if err := res.Apply(eff); err != nil {
		t.Fatal(err)
	}
	if eff.Spec.Image != "jk8s-application-jupyter-uv:latest" || ws.Spec.Image != "" {
		t.Errorf("image: effective %q, stored %q", eff.Spec.Image, ws.Spec.Image)
	}
	if eff.Spec.Resources == nil || eff.Spec.Resources.Limits.Cpu().String() != "500m" {
		t.Errorf("resources = %+v, want the template's defaults", eff.Spec.Resources)
	}
	if eff.Labels[wsv1.LabelTemplate] != "production-notebook-template" {
		t.Errorf("labels = %v", eff.Labels)
	}
	var env []string
	for _, e := range eff.Spec.Env {
		env = append(env, e.Name)
	}
	if strings.Join(env, ",") != "JUPYTER_ENABLE_LAB,ENVIRONMENT" {
		t.Errorf("env = %v", env)
	}

	// Out of bounds is a denial at reconcile, whatever the enforcement.
	ws.Spec.Image = "evil:1"
	res, err = policycheck.Check(context.Background(), defaultEngine(t), ws, workspaceKind, map[string]any{"template": template})
	if err != nil || res.Allowed() || !strings.Contains(res.Condition.Message, "spec.image: ") {
		t.Errorf("result = %+v, %v; want spec.image denied", res.Condition, err)
	}
}

// Apply decodes into a zero value: what the patch removes is gone.
func TestApplyRemoves(t *testing.T) {
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "w", Labels: map[string]string{wsv1.LabelTemplate: "old"}}}
	res := policycheck.Result{Patch: []engine.PatchOp{{Op: "remove", Path: "/metadata/labels/workspace.jupyter.org~1template"}}}
	if err := res.Apply(ws); err != nil {
		t.Fatal(err)
	}
	if _, ok := ws.Labels[wsv1.LabelTemplate]; ok || ws.Name != "w" {
		t.Errorf("after remove: %+v", ws.ObjectMeta)
	}
	bad := policycheck.Result{Patch: []engine.PatchOp{{Op: "replace", Path: "/spec/nothing/here", Value: 1}}}
	if err := bad.Apply(ws); err == nil || !strings.Contains(err.Error(), "policy patch") {
		t.Errorf("err = %v", err)
	}
}
