package manager

import (
	"unique"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// maxInterned bounds the strings internStrings shares: longer annotation
// values and condition messages are one object's own text.
const maxInterned = 256

// internStrings is part of every cached object's transform. A decoder
// allocates each string of each object anew, so the strings thousands of
// cached objects repeat — label and annotation keys and values, the
// namespace, owner references, finalizers, the status conditions' type,
// status, reason and message of Runs and Workspaces — were held once per
// object; interned (unique.Make) equal strings share one copy
// (docs/performance.md, "Manager memory"). Strings are immutable, so the
// objects read and compare exactly as before.
func internStrings(obj any) (any, error) {
	o, err := meta.Accessor(obj)
	if err != nil {
		return obj, nil //nolint:nilerr // not an object with metadata: kept as it is
	}
	o.SetNamespace(intern(o.GetNamespace()))
	o.SetName(intern(o.GetName()))
	o.SetLabels(internMap(o.GetLabels()))
	o.SetAnnotations(internMap(o.GetAnnotations()))
	if refs := o.GetOwnerReferences(); len(refs) > 0 {
		for i := range refs {
			r := &refs[i]
			r.APIVersion, r.Kind, r.Name = intern(r.APIVersion), intern(r.Kind), intern(r.Name)
		}
		o.SetOwnerReferences(refs)
	}
	if fin := o.GetFinalizers(); len(fin) > 0 {
		for i := range fin {
			fin[i] = intern(fin[i])
		}
		o.SetFinalizers(fin)
	}
	switch o := obj.(type) {
	case *runsv1.Run:
		internConditions(o.Status.Conditions)
		for i := range o.Status.Active {
			a := &o.Status.Active[i]
			a.APIVersion, a.Kind, a.Namespace, a.Name = intern(a.APIVersion), intern(a.Kind), intern(a.Namespace), intern(a.Name)
		}
	case *wsv1.Workspace:
		internConditions(o.Status.Conditions)
	}
	return obj, nil
}

func internConditions(cs []metav1.Condition) {
	for i := range cs {
		c := &cs[i]
		c.Type, c.Reason, c.Message = intern(c.Type), intern(c.Reason), intern(c.Message)
		c.Status = metav1.ConditionStatus(intern(string(c.Status)))
	}
}

// internMap is m with its keys and values interned, nil for an empty m.
func internMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[intern(k)] = intern(v)
	}
	return out
}

func intern(s string) string {
	if s == "" || len(s) > maxInterned {
		return s
	}
	return unique.Make(s).Value()
}
