package manager

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime/debug"
	"testing"
	"unsafe"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// Every cached object, through the default transform and a kind's own,
// shares the strings it repeats with the other cached objects, and reads
// exactly as decoded.
func TestCacheInternsRepeatedStrings(t *testing.T) {
	// unique keeps a canonical copy while something holds its handle, and
	// internStrings holds none: a GC between two objects may give the
	// second a new copy (one per GC cycle, not one per object). No GC here.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	o := cacheOptions(Config{})
	decode := func(doc string, obj client.Object) client.Object {
		t.Helper()
		if err := json.Unmarshal([]byte(doc), obj); err != nil {
			t.Fatal(err)
		}
		return obj
	}
	run := func(i int) client.Object {
		return decode(fmt.Sprintf(`{"metadata": {"name": "run-%d", "namespace": "team-a", "finalizers": ["runs.marmotdata.io/teardown"],
			"labels": {"team": "data"}, "annotations": {"note": "nightly"}},
			"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Running", "message": "1 ingestion Job(s) running",
				"lastTransitionTime": "2026-12-02T21:42:08Z"}],
				"active": [{"apiVersion": "batch/v1", "kind": "Job", "namespace": "team-a", "name": "run-%d"}]}}`, i, i), &runsv1.Run{})
	}
	job := func(i int) client.Object {
		return decode(fmt.Sprintf(`{"metadata": {"name": "run-%d", "namespace": "team-a",
			"labels": {"app.kubernetes.io/managed-by": "weir"}, "annotations": {"runs.marmotdata.io/spec-hash": "c6d0bf885e2fbd76"},
			"ownerReferences": [{"apiVersion": "runs.marmotdata.io/v1alpha1", "kind": "Run", "name": "run-%d", "uid": "u%d", "controller": true}]}}`,
			i, i, i), &batchv1.Job{})
	}
	var jobTransform func(any) (any, error)
	for k, v := range o.ByObject {
		if _, ok := k.(*batchv1.Job); ok {
			jobTransform = v.Transform
		}
	}
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	transform := func(tf func(any) (any, error), obj client.Object) client.Object {
		t.Helper()
		out, err := tf(obj)
		if err != nil {
			t.Fatal(err)
		}
		return out.(client.Object)
	}

	r1, r2 := run(1), run(2)
	want := r1.DeepCopyObject()
	r1, r2 = transform(o.DefaultTransform, r1), transform(o.DefaultTransform, r2)
	if !reflect.DeepEqual(r1, want) {
		t.Errorf("a Run reads differently once cached:\n got %+v\nwant %+v", r1, want)
	}
	a, b := r1.(*runsv1.Run), r2.(*runsv1.Run)
	for what, pair := range map[string][2]string{
		"namespace":         {a.Namespace, b.Namespace},
		"finalizer":         {a.Finalizers[0], b.Finalizers[0]},
		"label value":       {a.Labels["team"], b.Labels["team"]},
		"annotation value":  {a.Annotations["note"], b.Annotations["note"]},
		"condition message": {a.Status.Conditions[0].Message, b.Status.Conditions[0].Message},
		"condition reason":  {a.Status.Conditions[0].Reason, b.Status.Conditions[0].Reason},
		"active kind":       {a.Status.Active[0].Kind, b.Status.Active[0].Kind},
	} {
		if !same(pair[0], pair[1]) {
			t.Errorf("two cached Runs hold a copy each of their %s %q", what, pair[0])
		}
	}
	for k1 := range a.Labels {
		for k2 := range b.Labels {
			if !same(k1, k2) {
				t.Errorf("two cached Runs hold a copy each of their label key %q", k1)
			}
		}
	}

	j1, j2 := transform(jobTransform, job(1)), transform(jobTransform, job(2))
	if !same(j1.GetOwnerReferences()[0].APIVersion, j2.GetOwnerReferences()[0].APIVersion) ||
		!same(j1.GetLabels()["app.kubernetes.io/managed-by"], j2.GetLabels()["app.kubernetes.io/managed-by"]) {
		t.Error("a kind with its own transform (Jobs) does not share its repeated strings")
	}
	if !same(j1.GetName(), a.GetName()) {
		t.Error("a Job and its Run hold a copy each of the same name")
	}
}

// Equal resource lists of cached Workspaces and claims are one map, a
// different list is its own, and the objects read as decoded.
func TestCacheSharesResourceLists(t *testing.T) {
	tf := cacheOptions(Config{}).DefaultTransform
	ws := func(name, mem string) *wsv1.Workspace {
		w := &wsv1.Workspace{}
		if err := json.Unmarshal([]byte(`{"metadata": {"name": "`+name+`"}, "status": {"resources": {"limits": {"memory": "`+mem+`"},
			"requests": {"cpu": "10m", "memory": "64Mi"}}}}`), w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	claim := func(size string) *corev1.PersistentVolumeClaim {
		c := &corev1.PersistentVolumeClaim{}
		if err := json.Unmarshal([]byte(`{"metadata": {"name": "c"}, "spec": {"resources": {"requests": {"storage": "`+size+`"}}},
			"status": {"capacity": {"storage": "`+size+`"}}}`), c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	cached := func(obj client.Object) client.Object {
		want := obj.DeepCopyObject()
		out, err := tf(obj)
		if err != nil {
			t.Fatal(err)
		}
		if !equality.Semantic.DeepEqual(out, want) {
			t.Errorf("%T reads differently once cached:\n got %+v\nwant %+v", obj, out, want)
		}
		return out.(client.Object)
	}
	same := func(a, b corev1.ResourceList) bool {
		return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	}
	a, b, c := cached(ws("a", "128Mi")).(*wsv1.Workspace), cached(ws("b", "128Mi")).(*wsv1.Workspace), cached(ws("c", "256Mi")).(*wsv1.Workspace)
	if !same(a.Status.Resources.Limits, b.Status.Resources.Limits) || !same(a.Status.Resources.Requests, c.Status.Resources.Requests) {
		t.Error("two cached Workspaces hold a copy each of the same resource list")
	}
	if same(a.Status.Resources.Limits, c.Status.Resources.Limits) {
		t.Error("different resource lists share one map")
	}
	p, q := cached(claim("1Gi")).(*corev1.PersistentVolumeClaim), cached(claim("1Gi")).(*corev1.PersistentVolumeClaim)
	if !same(p.Spec.Resources.Requests, q.Spec.Resources.Requests) || !same(p.Status.Capacity, q.Status.Capacity) {
		t.Error("two cached claims hold a copy each of the same requests or capacity")
	}
}

// The cost of the cache transform per watched object (a Run as the scale
// benchmark makes it), interning included: it runs on every watch event.
func BenchmarkCacheTransformRun(b *testing.B) {
	tf := cacheOptions(Config{}).DefaultTransform
	doc := []byte(`{"metadata": {"name": "run-00001", "namespace": "bench", "finalizers": ["runs.marmotdata.io/teardown"], "generation": 1},
		"spec": {"runs": [{"postgresql": {"host": "db-1.example.com", "port": 5432}}]},
		"status": {"conditions": [
			{"type": "Valid", "status": "True", "reason": "PolicyAllowed", "message": "the policies in force allow this Run", "lastTransitionTime": "2026-12-02T21:42:08Z"},
			{"type": "ReferencesResolved", "status": "True", "reason": "Found", "message": "every Secret and ServiceAccount the Run names exists", "lastTransitionTime": "2026-12-02T21:42:08Z"},
			{"type": "Ready", "status": "True", "reason": "Running", "message": "1 ingestion Job(s) running", "lastTransitionTime": "2026-12-02T21:42:08Z"}],
			"active": [{"apiVersion": "batch/v1", "kind": "Job", "namespace": "bench", "name": "run-00001"}]}}`)
	objs := make([]*runsv1.Run, b.N)
	for i := range objs {
		objs[i] = &runsv1.Run{}
		if err := json.Unmarshal(doc, objs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := tf(objs[i]); err != nil {
			b.Fatal(err)
		}
	}
}
