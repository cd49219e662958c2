package runs

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A kept decision is reused only while what it was taken from is unchanged.
func TestDecisionKey(t *testing.T) {
	rel := map[string]any{"namespace": map[string]any{"metadata": map[string]any{"name": "bench", "labels": map[string]any{}}}}
	base := benchRun("")
	k0, err := decisionKey(base, rel, "rev1")
	if err != nil {
		t.Fatal(err)
	}
	same := base.DeepCopy()
	same.ResourceVersion, same.Finalizers = "42", []string{"x"}
	same.Status.Phase = "Running"
	if k, _ := decisionKey(same, rel, "rev1"); k != k0 {
		t.Error("status, finalizers or resourceVersion changed the key: the controller's own writes would decide again")
	}
	for name, change := range map[string]func() ([sha256Size]byte, error){
		"generation": func() ([sha256Size]byte, error) {
			r := base.DeepCopy()
			r.Generation++
			return decisionKey(r, rel, "rev1")
		},
		"labels": func() ([sha256Size]byte, error) {
			r := base.DeepCopy()
			r.Labels = map[string]string{"team": "x"}
			return decisionKey(r, rel, "rev1")
		},
		"annotations": func() ([sha256Size]byte, error) {
			r := base.DeepCopy()
			r.Annotations = map[string]string{"a": "b"}
			return decisionKey(r, rel, "rev1")
		},
		"uid": func() ([sha256Size]byte, error) {
			r := base.DeepCopy()
			r.UID = types.UID("other")
			return decisionKey(r, rel, "rev1")
		},
		"related": func() ([sha256Size]byte, error) {
			return decisionKey(base, map[string]any{"namespace": map[string]any{"metadata": map[string]any{
				"name": "bench", "labels": map[string]any{"tier": "prod"}}}}, "rev1")
		},
		"revision": func() ([sha256Size]byte, error) { return decisionKey(base, rel, "rev2") },
	} {
		k, err := change()
		if err != nil {
			t.Fatal(err)
		}
		if k == k0 {
			t.Errorf("a change of %s kept the key: a stale decision would be reused", name)
		}
	}
}

func TestDecisionsGetPutForget(t *testing.T) {
	var d decisions
	name := types.NamespacedName{Namespace: "ns", Name: "r"}
	k1, _ := decisionKey(benchRun(""), nil, "rev1")
	k2, _ := decisionKey(benchRun(""), nil, "rev2")
	if _, ok := d.get(name, k1); ok {
		t.Fatal("empty cache answered")
	}
	c := metav1.Condition{Type: "Valid", Status: metav1.ConditionTrue, Reason: "PolicyAllowed"}
	d.put(name, k1, c)
	if got, ok := d.get(name, k1); !ok || got != c {
		t.Fatalf("get = %v, %v; want the condition put", got, ok)
	}
	if _, ok := d.get(name, k2); ok {
		t.Error("another key answered")
	}
	d.forget(name)
	if _, ok := d.get(name, k1); ok {
		t.Error("a forgotten Run answered")
	}
}
