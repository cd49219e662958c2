package workspaces

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// A kept decision is reused only while what it was taken from is unchanged.
func TestDecisionKey(t *testing.T) {
	rel := map[string]any{"template": map[string]any{"metadata": map[string]any{"name": "t", "resourceVersion": "1"}}}
	base := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "team", UID: "u1", Generation: 1},
		Spec: wsv1.WorkspaceSpec{TemplateRef: "t", Image: "jupyter/minimal-notebook:latest"}}
	k0, err := decisionKey(base, rel, "rev1")
	if err != nil {
		t.Fatal(err)
	}
	same := base.DeepCopy()
	same.ResourceVersion, same.Finalizers = "42", []string{FinalizerStorage}
	same.Status.URL = "https://x"
	if k, _ := decisionKey(same, rel, "rev1"); k != k0 {
		t.Error("status, finalizers or resourceVersion changed the key: the controller's own writes would decide again")
	}
	change := map[string]func(*wsv1.Workspace) (map[string]any, string){
		"generation": func(w *wsv1.Workspace) (map[string]any, string) { w.Generation++; return rel, "rev1" },
		"labels": func(w *wsv1.Workspace) (map[string]any, string) {
			w.Labels = map[string]string{"l": "v"}
			return rel, "rev1"
		},
		"annotations": func(w *wsv1.Workspace) (map[string]any, string) {
			w.Annotations = map[string]string{"a": "v"}
			return rel, "rev1"
		},
		"uid": func(w *wsv1.Workspace) (map[string]any, string) { w.UID = types.UID("u2"); return rel, "rev1" },
		"related": func(*wsv1.Workspace) (map[string]any, string) {
			return map[string]any{"template": map[string]any{"metadata": map[string]any{"name": "t", "resourceVersion": "2"}}}, "rev1"
		},
		"revision": func(*wsv1.Workspace) (map[string]any, string) { return rel, "rev2" },
	}
	for name, f := range change {
		w := base.DeepCopy()
		r, rev := f(w)
		if k, _ := decisionKey(w, r, rev); k == k0 {
			t.Errorf("a change of %s kept the key: a stale decision would be reused", name)
		}
	}
}

// The second pass over an unchanged Workspace reuses the decision and gets
// the same effective spec and Valid condition as the first; a new
// generation is decided again.
func TestDecideReusesTheLastDecision(t *testing.T) {
	ctx := context.Background()
	eng := engine.New()
	if _, err := eng.Load(ctx, engine.DefaultBundle()); err != nil {
		t.Fatal(err)
	}
	tmpl := &wsv1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: "t"},
		Spec: wsv1.WorkspaceTemplateSpec{DisplayName: "T", DefaultImage: "jupyter/minimal-notebook:latest"}}
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "team", UID: "u1", Generation: 1},
		Spec: wsv1.WorkspaceSpec{DisplayName: "A", TemplateRef: "t", DesiredStatus: wsv1.DesiredRunning}}
	scheme := runtime.NewScheme()
	if err := wsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(tmpl, ws).Build()
	r := &Reconciler{Client: c, Policies: eng}

	eff1, v1, err := r.decide(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if eff1.Spec.Image != "jupyter/minimal-notebook:latest" || v1.Status != metav1.ConditionTrue {
		t.Fatalf("first decision: image %q, Valid %+v", eff1.Spec.Image, v1)
	}
	if _, ok := r.decisions.m[client.ObjectKeyFromObject(ws)]; !ok {
		t.Fatal("the decision was not kept")
	}
	eff2, v2, err := r.decide(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(eff1, eff2) || v1 != v2 {
		t.Errorf("the kept decision differs: %+v %+v, then %+v %+v", eff1.Spec, v1, eff2.Spec, v2)
	}

	// A new generation that breaks the template's image is decided anew.
	ws.Generation, ws.Spec.Image = 2, "evil/miner:latest"
	tmpl.Spec.AllowedImages = []string{"jupyter/minimal-notebook:latest"}
	if err := c.Update(ctx, tmpl); err != nil {
		t.Fatal(err)
	}
	_, v3, err := r.decide(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if v3.Status != metav1.ConditionFalse || v3.ObservedGeneration != 2 {
		t.Errorf("a new generation reused the old decision: %+v", v3)
	}
}
