package manager

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
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
