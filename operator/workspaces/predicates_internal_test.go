package workspaces

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

func updated(p predicate.Funcs, before, after client.Object) bool {
	return p.Update(event.UpdateEvent{ObjectOld: before, ObjectNew: after})
}

// A Workspace's children do not bring it back when they are created (the
// pass that created them wrote its status) nor when other controllers do
// their bookkeeping on them; only what status shows, or what the reconcile
// restores, does.
func TestChildPredicates(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "ws-a", Generation: 1,
		Annotations: map[string]string{annotationSpecHash: "h1", AnnotationWorkspace: "a"}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)}}
	for _, p := range []predicate.Funcs{deploymentChanged, serviceChanged, claimChanged, notCreated} {
		if p.Create(event.CreateEvent{Object: d}) {
			t.Error("a child's creation enqueues its Workspace")
		}
	}

	made := d.DeepCopy() // the ReplicaSet made, its pod not ready yet
	made.Annotations["deployment.kubernetes.io/revision"] = "1"
	made.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, UnavailableReplicas: 1,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetCreated"}}}
	if updated(deploymentChanged, d, made) {
		t.Error("pod counts and the revision annotation enqueue: status shows neither")
	}
	ready := made.DeepCopy()
	ready.Status.ReadyReplicas, ready.Status.AvailableReplicas, ready.Status.UnavailableReplicas = 1, 1, 0
	if !updated(deploymentChanged, made, ready) {
		t.Error("the pod ready does not enqueue: Available would never say so")
	}
	failed := made.DeepCopy()
	failed.Status.Conditions = append(failed.Status.Conditions, appsv1.DeploymentCondition{
		Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Message: "quota"})
	if !updated(deploymentChanged, made, failed) {
		t.Error("a rollout failure does not enqueue: Degraded would not say so")
	}
	edited := ready.DeepCopy()
	edited.Generation, edited.Annotations[annotationSpecHash] = 2, "h2"
	if !updated(deploymentChanged, ready, edited) {
		t.Error("an edit of the Deployment does not enqueue: it would not be restored")
	}
	orphaned := ready.DeepCopy()
	orphaned.OwnerReferences = []metav1.OwnerReference{{UID: "other"}}
	if !updated(deploymentChanged, ready, orphaned) {
		t.Error("a change of owner does not enqueue")
	}

	claim := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "ws-a-home"},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("std"), Resources: corev1.VolumeResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}
	binding := claim.DeepCopy()
	binding.Spec.VolumeName = "pv-1"
	binding.Annotations = map[string]string{"pv.kubernetes.io/bind-completed": "yes"}
	if updated(claimChanged, claim, binding) {
		t.Error("the binding's volumeName and annotations enqueue: status shows neither")
	}
	bound := binding.DeepCopy()
	bound.Status.Phase = corev1.ClaimBound
	bound.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}
	if !updated(claimChanged, binding, bound) {
		t.Error("the claim bound does not enqueue: status.storage.phase would not say so")
	}

	if !bindingOnly(binding, bound) {
		t.Error("a binding is not waited for: its pod's readiness would be a status write of its own")
	}
	lost := bound.DeepCopy()
	lost.Status.Phase = corev1.ClaimLost
	if bindingOnly(bound, lost) || !updated(claimChanged, bound, lost) {
		t.Error("a lost claim waits or does not enqueue: Degraded must say so at once")
	}
	grown := binding.DeepCopy()
	grown.Status.Phase = corev1.ClaimBound
	grown.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
	if bindingOnly(binding, grown) {
		t.Error("a claim bound and edited at once waits")
	}

	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ws-a"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}}
	lb := svc.DeepCopy()
	lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "10.0.0.1"}}
	if updated(serviceChanged, svc, lb) {
		t.Error("a Service's status enqueues")
	}
	retyped := svc.DeepCopy()
	retyped.Spec.Type = corev1.ServiceTypeNodePort
	if !updated(serviceChanged, svc, retyped) {
		t.Error("an edit of the Service's spec does not enqueue: it would not be restored")
	}
}

// Progressing says what happens, not how many pods are ready: a count
// would date between two reconciles, which come only for changes status
// shows.
func TestProgressingCountsNoPods(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "ws-a", Generation: 1}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)}}
	before := progressing(1, true, d)
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1}
	if after := progressing(1, true, d); after != before {
		t.Errorf("a pod made, not ready, changed Progressing: %+v, then %+v", before, after)
	}
}

// A Workspace's arrival queues its template only when the template does
// not hold the finalizer yet; a departure always (it may be the last user).
func TestTemplateUsers(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := wsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	held := &wsv1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{wsv1.FinalizerTemplateProtection}}}
	free := &wsv1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: "free"}}
	h := templateUsers(fake.NewClientBuilder().WithScheme(scheme).WithObjects(held, free).Build())
	ws := func(tmpl string) *wsv1.Workspace {
		return &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "n"}, Spec: wsv1.WorkspaceSpec{TemplateRef: tmpl}}
	}
	for _, c := range []struct {
		tmpl   string
		delete bool
		want   int
	}{
		{"held", false, 0}, {"free", false, 1}, {"missing", false, 0}, {"held", true, 1}, {"", true, 0},
	} {
		q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
		if c.delete {
			h.Delete(context.Background(), event.DeleteEvent{Object: ws(c.tmpl)}, q)
		} else {
			h.Create(context.Background(), event.CreateEvent{Object: ws(c.tmpl)}, q)
		}
		if got := q.Len(); got != c.want {
			t.Errorf("template %q, delete %v: %d queued, want %d", c.tmpl, c.delete, got, c.want)
		}
		q.ShutDown()
	}
}
