package manager

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// --namespace a,b limits the cache to a and b; the kinds Weir creates are
// cached only when they carry its managed-by label, in any install.
func TestCacheOptions(t *testing.T) {
	if o := cacheOptions(Config{}); o.DefaultNamespaces != nil {
		t.Errorf("no namespaces: DefaultNamespaces = %v, want every namespace (nil)", o.DefaultNamespaces)
	}
	o := cacheOptions(Config{Namespaces: []string{"team-a", "team-b"}})
	if got := slices.Sorted(maps.Keys(o.DefaultNamespaces)); !slices.Equal(got, []string{"team-a", "team-b"}) {
		t.Errorf("DefaultNamespaces = %v, want team-a and team-b", got)
	}
	ours := labels.Set{"app.kubernetes.io/managed-by": "weir"}
	theirs := labels.Set{"app.kubernetes.io/managed-by": "helm"}
	for _, obj := range []client.Object{&corev1.ConfigMap{}, &batchv1.Job{}, &batchv1.CronJob{}, &corev1.ServiceAccount{},
		&appsv1.Deployment{}, &corev1.Service{}, &corev1.PersistentVolumeClaim{}} {
		var by *labels.Selector
		for k, v := range o.ByObject {
			if fmt.Sprintf("%T", k) == fmt.Sprintf("%T", obj) {
				by = &v.Label
			}
		}
		if by == nil || *by == nil {
			t.Errorf("%T is cached without a label selector", obj)
			continue
		}
		if !(*by).Matches(ours) || (*by).Matches(theirs) {
			t.Errorf("%T selector %s: want only Weir's managed-by label", obj, *by)
		}
	}
}

// Routes are cached only when labelled with their WorkspaceManager, and
// HTTPRoutes only where the cluster serves them (a kind the API server
// does not know would keep the cache from starting).
func TestRouteCache(t *testing.T) {
	has := func(o cache.Options, obj client.Object) *cache.ByObject {
		for k, v := range o.ByObject {
			if fmt.Sprintf("%T", k) == fmt.Sprintf("%T", obj) {
				return &v
			}
		}
		return nil
	}
	without := cacheOptions(Config{})
	routeCache(&without, false)
	if has(without, &gatewayv1.HTTPRoute{}) != nil {
		t.Error("HTTPRoutes cached without the Gateway API")
	}
	with := cacheOptions(Config{})
	routeCache(&with, true)
	for _, obj := range []client.Object{&networkingv1.Ingress{}, &gatewayv1.HTTPRoute{}} {
		by := has(with, obj)
		if by == nil || by.Label == nil {
			t.Errorf("%T is not cached by label", obj)
			continue
		}
		if !by.Label.Matches(labels.Set{"workspace.jupyter.org/manager": "main"}) || by.Label.Matches(labels.Set{"app": "other"}) {
			t.Errorf("%T selector %s: want routes with a manager label only", obj, by.Label)
		}
	}
}

// Cached objects lose their managedFields (no reconciler reads them) and
// keep everything else.
func TestCacheStripsManagedFields(t *testing.T) {
	tr := cacheOptions(Config{}).DefaultTransform
	if tr == nil {
		t.Fatal("no DefaultTransform: cached objects keep their managedFields")
	}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "r", Labels: map[string]string{"a": "b"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "weir", Operation: metav1.ManagedFieldsOperationUpdate}}}}
	out, err := tr(job)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*batchv1.Job)
	if got.ManagedFields != nil {
		t.Errorf("managedFields = %v, want none", got.ManagedFields)
	}
	if got.Name != "r" || got.Labels["a"] != "b" {
		t.Errorf("the rest of the object changed: %+v", got.ObjectMeta)
	}
}
