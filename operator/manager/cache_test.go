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
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
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

// A Run's Jobs and CronJobs are cached without their pod template but
// with the ConfigMaps it mounts (usesConfigMap reads them), with their
// status and their metadata, and without managedFields.
func TestCacheSlimsRunChildren(t *testing.T) {
	o := cacheOptions(Config{})
	var job, cron toolscache.TransformFunc
	for k, v := range o.ByObject {
		switch k.(type) {
		case *batchv1.Job:
			job = v.Transform
		case *batchv1.CronJob:
			cron = v.Transform
		}
	}
	if job == nil || cron == nil {
		t.Fatalf("Job transform %v, CronJob transform %v: want both", job != nil, cron != nil)
	}
	tmpl := func() corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"l": "v"}, Annotations: map[string]string{"runs.marmotdata.io/pipeline": "name: x"}},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "ingest", Image: "weir"}},
				Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "r-config"}}}}},
			},
		}
	}
	mf := []metav1.ManagedFieldsEntry{{Manager: "weir"}}
	meta := metav1.ObjectMeta{Name: "r", Annotations: map[string]string{"runs.marmotdata.io/spec-hash": "h"}, ManagedFields: mf}
	check := func(kind string, got corev1.PodTemplateSpec, m metav1.ObjectMeta) {
		t.Helper()
		if len(got.Spec.Containers) != 0 || got.Annotations != nil || got.Labels != nil {
			t.Errorf("%s: template kept containers %v, annotations %v, labels %v", kind, got.Spec.Containers, got.Annotations, got.Labels)
		}
		if len(got.Spec.Volumes) != 1 || got.Spec.Volumes[0].ConfigMap == nil || got.Spec.Volumes[0].ConfigMap.Name != "r-config" {
			t.Errorf("%s: volumes = %+v, want only the ConfigMap's", kind, got.Spec.Volumes)
		}
		if m.ManagedFields != nil || m.Annotations["runs.marmotdata.io/spec-hash"] != "h" {
			t.Errorf("%s: metadata = %+v, want the spec hash and no managedFields", kind, m)
		}
	}
	out, err := job(&batchv1.Job{ObjectMeta: *meta.DeepCopy(), Spec: batchv1.JobSpec{Template: tmpl(),
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "u1"}}},
		Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}})
	if err != nil {
		t.Fatal(err)
	}
	j := out.(*batchv1.Job)
	check("Job", j.Spec.Template, j.ObjectMeta)
	if len(j.Status.Conditions) != 1 {
		t.Errorf("Job status = %+v, want it kept", j.Status)
	}
	if j.Spec.Selector != nil {
		t.Errorf("Job selector = %+v, want none (no reader uses it)", j.Spec.Selector)
	}
	out, err = cron(&batchv1.CronJob{ObjectMeta: *meta.DeepCopy(), Spec: batchv1.CronJobSpec{Schedule: "@hourly",
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl()}}}})
	if err != nil {
		t.Fatal(err)
	}
	c := out.(*batchv1.CronJob)
	check("CronJob", c.Spec.JobTemplate.Spec.Template, c.ObjectMeta)
	if c.Spec.Schedule != "@hourly" {
		t.Errorf("CronJob schedule = %q, want it kept", c.Spec.Schedule)
	}
}

// A Workspace's Deployment is cached without its pod template, with its
// metadata (the spec hash ensureDeployment compares, the owner mustOwn
// checks), its replicas and its status (Available), and without its
// selector or managedFields.
func TestCacheSlimsWorkspaceDeployments(t *testing.T) {
	var tr toolscache.TransformFunc
	for k, v := range cacheOptions(Config{}).ByObject {
		if _, ok := k.(*appsv1.Deployment); ok {
			tr = v.Transform
		}
	}
	if tr == nil {
		t.Fatal("no Deployment transform: Deployments are cached with their pod template")
	}
	owner := metav1.OwnerReference{APIVersion: "workspace.jupyter.org/v1alpha1", Kind: "Workspace", Name: "lab", UID: "u1", Controller: ptr.To(true)}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "ws-lab", Generation: 2, Labels: map[string]string{"app.kubernetes.io/managed-by": "weir"},
			Annotations: map[string]string{"workspace.jupyter.org/spec-hash": "h"}, OwnerReferences: []metav1.OwnerReference{owner},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "weir"}}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "workspace", Image: "jupyter", Env: []corev1.EnvVar{{Name: "E", Value: "v"}}}},
					NodeSelector: map[string]string{"pool": "ide"}}}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, AvailableReplicas: 1, ReadyReplicas: 1},
	}
	out, err := tr(d)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*appsv1.Deployment)
	if tmpl := got.Spec.Template; len(tmpl.Spec.Containers) != 0 || tmpl.Spec.NodeSelector != nil || tmpl.Labels != nil {
		t.Errorf("template kept: %+v", tmpl)
	}
	if got.ManagedFields != nil {
		t.Errorf("managedFields = %v, want none", got.ManagedFields)
	}
	if got.Annotations["workspace.jupyter.org/spec-hash"] != "h" || got.Generation != 2 || len(got.OwnerReferences) != 1 || got.Labels == nil {
		t.Errorf("metadata = %+v, want the spec hash, generation, owner and labels kept", got.ObjectMeta)
	}
	if got.Spec.Replicas == nil || *got.Spec.Replicas != 0 || got.Spec.Selector != nil {
		t.Errorf("spec = %+v, want replicas 0 kept and no selector (no reader uses it)", got.Spec)
	}
	if got.Status.AvailableReplicas != 1 || got.Status.ObservedGeneration != 2 {
		t.Errorf("status = %+v, want it kept", got.Status)
	}
}
