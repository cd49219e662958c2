package policycheck

import (
	"crypto/sha256"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// A kept decision is reused only while what it was taken from is
// unchanged, for every kind that keeps one.
func TestMemoKey(t *testing.T) {
	rel := map[string]any{"namespace": map[string]any{"metadata": map[string]any{"name": "team", "labels": map[string]any{}}}}
	meta := metav1.ObjectMeta{Name: "a", Namespace: "team", UID: "u1", Generation: 1}
	for kind, fresh := range map[string]func() client.Object{
		"Run": func() client.Object { return &runsv1.Run{ObjectMeta: *meta.DeepCopy()} },
		"Workspace": func() client.Object {
			return &wsv1.Workspace{ObjectMeta: *meta.DeepCopy(), Spec: wsv1.WorkspaceSpec{TemplateRef: "t"}}
		},
	} {
		key := func(change func(client.Object), rel map[string]any, rev string) [sha256.Size]byte {
			obj := fresh()
			change(obj)
			k, err := memoKey(obj, rel, rev)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		k0 := key(func(client.Object) {}, rel, "rev1")
		ownWrites := func(o client.Object) {
			o.SetResourceVersion("42")
			o.SetFinalizers([]string{"x"})
			switch o := o.(type) {
			case *runsv1.Run:
				o.Status.Phase = "Running"
			case *wsv1.Workspace:
				o.Status.URL = "https://x"
			}
		}
		if key(ownWrites, rel, "rev1") != k0 {
			t.Errorf("%s: status, finalizers or resourceVersion changed the key: the controller's own writes would decide again", kind)
		}
		for name, k := range map[string][sha256.Size]byte{
			"generation":  key(func(o client.Object) { o.SetGeneration(2) }, rel, "rev1"),
			"labels":      key(func(o client.Object) { o.SetLabels(map[string]string{"team": "x"}) }, rel, "rev1"),
			"annotations": key(func(o client.Object) { o.SetAnnotations(map[string]string{"a": "b"}) }, rel, "rev1"),
			"uid":         key(func(o client.Object) { o.SetUID(types.UID("other")) }, rel, "rev1"),
			"related": key(func(client.Object) {}, map[string]any{"namespace": map[string]any{"metadata": map[string]any{
				"name": "team", "labels": map[string]any{"tier": "prod"}}}}, "rev1"),
			"revision": key(func(client.Object) {}, rel, "rev2"),
		} {
			if k == k0 {
				t.Errorf("%s: a change of %s kept the key: a stale decision would be reused", kind, name)
			}
		}
	}
}

func TestMemoGetPutForget(t *testing.T) {
	var m Memo
	name := types.NamespacedName{Namespace: "ns", Name: "r"}
	run := &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", UID: "u1", Generation: 1}}
	k1, _ := memoKey(run, nil, "rev1")
	k2, _ := memoKey(run, nil, "rev2")
	if _, ok := m.get(name, k1); ok {
		t.Fatal("empty memo answered")
	}
	res := Result{Condition: metav1.Condition{Type: ConditionValid, Status: metav1.ConditionTrue, Reason: ReasonPolicyAllowed}, Revision: "rev1"}
	m.put(name, k1, res)
	if got, ok := m.get(name, k1); !ok || got.Condition != res.Condition || got.Revision != "rev1" {
		t.Fatalf("get = %+v, %v; want the result put", got, ok)
	}
	if _, ok := m.get(name, k2); ok {
		t.Error("another key answered")
	}
	m.Forget(name)
	if _, ok := m.get(name, k1); ok || m.Has(name) {
		t.Error("a forgotten object answered")
	}
}

// Equal decisions on different objects are kept once (the memo's memory
// grows with the distinct decisions, not with the objects), a decision that
// differs in any part, a patch's policy included, is kept apart, and a
// shared decision goes with its last object.
func TestMemoSharesEqualDecisions(t *testing.T) {
	var m Memo
	decision := func(policy string) Result {
		return Result{
			Condition: metav1.Condition{Type: ConditionValid, Status: metav1.ConditionTrue, Reason: ReasonPolicyAllowed, ObservedGeneration: 1},
			Patch: []engine.PatchOp{{Op: "add", Path: "/spec/resources", Policy: policy,
				Value: map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "320Mi"}}}},
			Revision: "rev1",
		}
	}
	name := func(n string) types.NamespacedName { return types.NamespacedName{Namespace: "ns", Name: n} }
	key := func(n string) [sha256.Size]byte { return sha256.Sum256([]byte(n)) }
	m.put(name("a"), key("a"), decision("runs.default-requests"))
	m.put(name("b"), key("b"), decision("runs.default-requests"))
	m.put(name("c"), key("c"), decision("runs.other"))
	a, _ := m.get(name("a"), key("a"))
	b, _ := m.get(name("b"), key("b"))
	c, _ := m.get(name("c"), key("c"))
	if &a.Patch[0] != &b.Patch[0] {
		t.Error("two equal decisions are kept twice: the memo grows with the objects")
	}
	if &a.Patch[0] == &c.Patch[0] || c.Patch[0].Policy != "runs.other" {
		t.Error("decisions that differ in a patch's policy share one entry")
	}
	if !reflect.DeepEqual(a, decision("runs.default-requests")) {
		t.Errorf("shared decision = %+v, want the one put", a)
	}
	if n := len(m.shared); n != 2 {
		t.Errorf("%d distinct decisions kept, want 2", n)
	}
	// A new decision on a replaces its share; c's goes with c.
	m.put(name("a"), key("a2"), decision("runs.other"))
	m.Forget(name("c"))
	if n := len(m.shared); n != 2 {
		t.Errorf("%d distinct decisions kept after a's new decision, want 2 (b's and a's)", n)
	}
	m.Forget(name("a"))
	m.Forget(name("b"))
	if n := len(m.shared); n != 0 {
		t.Errorf("%d decisions kept after every object was forgotten, want 0", n)
	}
}
