package workspaces

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

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
	if !r.decisions.Has(client.ObjectKeyFromObject(ws)) {
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
