package manager

import (
	"slices"
	"strings"
	"sync"
	"unique"

	corev1 "k8s.io/api/core/v1"

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
// object, and so were the resource lists of Workspaces and claims
// (resourceLists); interned (unique.Make) equal strings share one copy
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
		internResources(o.Spec.Resources)
		internResources(o.Status.Resources)
	case *corev1.PersistentVolumeClaim:
		o.Spec.Resources.Requests = resourceLists.intern(o.Spec.Resources.Requests)
		o.Spec.Resources.Limits = resourceLists.intern(o.Spec.Resources.Limits)
		o.Status.Capacity = resourceLists.intern(o.Status.Capacity)
	}
	return obj, nil
}

// maxResourceLists bounds the shared ResourceLists: past it, a new list is
// kept by its object alone.
const maxResourceLists = 4096

// resourceLists holds each distinct ResourceList that cached objects carry
// once (a map of Quantities is ~0.8 KB however few its entries, and most
// Workspaces and claims have their template's): cached objects are never
// changed in place (the cache hands out deep copies), so they can share
// one map. unique cannot hold a map, so this is a table, bounded.
var resourceLists = &resourceListTable{m: map[string]corev1.ResourceList{}}

type resourceListTable struct {
	mu sync.Mutex
	m  map[string]corev1.ResourceList
}

func (t *resourceListTable) intern(l corev1.ResourceList) corev1.ResourceList {
	if len(l) == 0 {
		return l
	}
	parts := make([]string, 0, len(l))
	for name, q := range l {
		parts = append(parts, string(name)+"="+q.String())
	}
	slices.Sort(parts)
	key := strings.Join(parts, ",")
	t.mu.Lock()
	defer t.mu.Unlock()
	if shared, ok := t.m[key]; ok {
		return shared
	}
	if len(t.m) < maxResourceLists {
		t.m[key] = l
	}
	return l
}

func internResources(r *corev1.ResourceRequirements) {
	if r == nil {
		return
	}
	r.Limits, r.Requests = resourceLists.intern(r.Limits), resourceLists.intern(r.Requests)
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
