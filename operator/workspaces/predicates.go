package workspaces

import (
	"context"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// The children's events that bring their Workspace back. A child's
// creation is the reconcile's own doing (that pass wrote the status), and
// most of a child's updates are other controllers' bookkeeping: a
// Deployment's replica counts and conditions as its pod is made, a claim's
// annotations as it binds. Each passed event is a reconcile, and each one
// that changes what status shows a status write, so only the changes
// status shows pass (issue 15: ≤ 2 status writes per new Workspace). At
// start the cache lists every child as created, but every Workspace is
// listed (and reconciled) too.

// notCreated drops create events (as the Run controller's does).
var notCreated = predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }}

// childMetaChanged: what the reconcile compares or must restore: the
// spec (generation, where the kind has one), labels, the annotations Weir
// sets (the spec hash, the Workspace's name; not the revision or binding
// annotations other controllers add), owner references (mustOwn) and
// deletion.
func childMetaChanged(a, b client.Object) bool {
	return a.GetGeneration() != b.GetGeneration() ||
		!equality.Semantic.DeepEqual(a.GetLabels(), b.GetLabels()) ||
		a.GetAnnotations()[annotationSpecHash] != b.GetAnnotations()[annotationSpecHash] ||
		a.GetAnnotations()[AnnotationWorkspace] != b.GetAnnotations()[AnnotationWorkspace] ||
		!equality.Semantic.DeepEqual(a.GetOwnerReferences(), b.GetOwnerReferences()) ||
		!equality.Semantic.DeepEqual(a.GetDeletionTimestamp(), b.GetDeletionTimestamp())
}

// childUpdated passes an update when childMetaChanged or view (what the
// Workspace's status shows of the child) differs; creates never.
func childUpdated[T client.Object](view func(T) any) predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			a, okA := e.ObjectOld.(T)
			b, okB := e.ObjectNew.(T)
			if !okA || !okB {
				return true
			}
			// reflect: the views hold no quantities (strings instead).
			return childMetaChanged(a, b) || !reflect.DeepEqual(view(a), view(b))
		},
	}
}

// deploymentView is what status says of a Deployment: whether its pod is
// ready (Available; readyReplicas), whether it has the pods it should
// (Progressing), whether it cannot make them (Degraded). The counts of a
// pod being made (replicas 0 → 1 before it is ready) are not shown apart.
type deploymentView struct {
	ready, settled bool
	failure        string
}

func viewDeployment(d *appsv1.Deployment) any {
	return deploymentView{ready: podReady(d), settled: settled(d, ptr.Deref(d.Spec.Replicas, 1)), failure: rolloutFailure(d)}
}

// claimView is what the reconcile reads of a claim: its class and
// requested size (ensureClaim), its phase and capacity (status.storage)
// and a failed resize (Degraded). Not spec.volumeName, which binding sets.
type claimView struct {
	phase    corev1.PersistentVolumeClaimPhase
	class    string
	request  string
	capacity string
	resize   string
}

func viewClaim(c *corev1.PersistentVolumeClaim) any {
	v := claimView{phase: c.Status.Phase, class: ptr.Deref(c.Spec.StorageClassName, ""), resize: claimResizeError(c)}
	if q, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		v.request = q.String()
	}
	if q, ok := c.Status.Capacity[corev1.ResourceStorage]; ok {
		v.capacity = q.String()
	}
	return v
}

// viewService: the Service's spec, which the reconcile restores; its
// status (load balancer) is not shown.
func viewService(s *corev1.Service) any { return s.Spec }

var (
	deploymentChanged = childUpdated(viewDeployment)
	claimChanged      = childUpdated(viewClaim)
	serviceChanged    = childUpdated(viewService)
)

// ClaimBoundDelay is how long a claim's binding waits before its Workspace
// is reconciled for it. A new Workspace's pod can start only once its claim
// is bound, so its readiness (a status write of its own) usually follows
// within seconds: the binding waits for it and both are written at once,
// the second of a new Workspace's two status writes, instead of one write
// each. status.storage.phase says Bound at most this late.
const ClaimBoundDelay = 5 * time.Second

// claimEvents queues a claim's Workspace (its controller) for the
// changes claimChanged passes; one whose only news is its binding is
// queued after ClaimBoundDelay (a change that comes meanwhile reconciles
// at once and writes both).
func claimEvents() handler.TypedFuncs[client.Object, reconcile.Request] {
	enqueue := func(obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request], after time.Duration) {
		ref := metav1.GetControllerOf(obj)
		if ref == nil || ref.Kind != "Workspace" || ref.APIVersion != wsv1.GroupVersion.String() {
			return
		}
		req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: ref.Name}}
		if after > 0 {
			q.AddAfter(req, after)
			return
		}
		q.Add(req)
	}
	return handler.TypedFuncs[client.Object, reconcile.Request]{
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if !claimChanged.Update(e) {
				return
			}
			after := time.Duration(0)
			if bindingOnly(e.ObjectOld, e.ObjectNew) {
				after = ClaimBoundDelay
			}
			// The old controller too, should the reference have moved.
			enqueue(e.ObjectOld, q, after)
			enqueue(e.ObjectNew, q, after)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.Object, q, 0)
		},
		GenericFunc: func(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.Object, q, 0)
		},
	}
}

// bindingOnly: the claim went from Pending to Bound, and nothing else the
// reconcile reads changed but its capacity.
func bindingOnly(a, b client.Object) bool {
	ca, okA := a.(*corev1.PersistentVolumeClaim)
	cb, okB := b.(*corev1.PersistentVolumeClaim)
	if !okA || !okB || childMetaChanged(ca, cb) || ca.Status.Phase != corev1.ClaimPending || cb.Status.Phase != corev1.ClaimBound {
		return false
	}
	va, vb := viewClaim(ca).(claimView), viewClaim(cb).(claimView)
	va.phase, va.capacity = vb.phase, vb.capacity
	return va == vb
}
