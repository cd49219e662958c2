package workspaces

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/policycheck"
	"github.com/weir-dev/weir/operator/status"
	"github.com/weir-dev/weir/policies/engine"
)

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaces,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaces/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaces/finalizers,verbs=update
// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspacetemplates,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspacetemplates/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services;persistentvolumeclaims,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// FinalizerStorage holds a Workspace until its primary claim is released.
const FinalizerStorage = wsv1.FinalizerStorage

// Event reasons a user may need to notice.
const (
	ReasonCreated         = "Created"
	ReasonUpdated         = "Updated"
	ReasonStopped         = "Stopped"
	ReasonHeldBack        = "HeldBack"
	ReasonResumed         = "Resumed"
	ReasonStorageRetained = "StorageRetained"
	ReasonStorageDeleted  = "StorageDeleted"
	ReasonStorageAdopted  = "StorageAdopted"
	// ReasonReconcileError: an API call failed; the controller retries.
	ReasonReconcileError = "ReconcileError"
)

// Reconciler turns a Workspace into its claim, Service, Deployment and,
// when a WorkspaceManager serves its namespace, its route.
type Reconciler struct {
	client.Client
	// APIReader reads past the cache, whose Deployments have no pod
	// template (SlimDeployment). SetupWithManager sets the manager's.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Options   Options
	// Policies decide what a Workspace inherits and whether it may run
	// (condition Valid); nil: the stored spec runs as it is.
	Policies *engine.Engine
	// MaxConcurrentReconciles is how many Workspaces are reconciled at once.
	MaxConcurrentReconciles int
	// Prober checks a Workspace's URL through its route before Available
	// says True; nil (or no WorkspaceManager): Available follows the pod's
	// readiness. Setup takes Options.Prober when this is nil.
	Prober RouteProber

	requeueOnce sync.Once
	requeue     *policycheck.Requeuer
	// gatewayAPI: the HTTPRoute kind was served when the controller
	// started (so it is watched and may be read from the cache).
	gatewayAPI bool
	probes     probes
	idle       idleWatch
	// decisions: the last policy decision on each Workspace.
	decisions policycheck.Memo
}

// errConflict: a child's name is taken by an object the Workspace does not
// control. Only the user can resolve it, so there is no retry.
type errConflict struct{ error }

func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ws := &wsv1.Workspace{}
	if err := r.Get(ctx, req.NamespacedName, ws); err != nil {
		if apierrors.IsNotFound(err) {
			r.forgetProbe(req.NamespacedName)
			r.decisions.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ws.DeletionTimestamp.IsZero() {
		r.forgetProbe(req.NamespacedName)
		return ctrl.Result{}, r.reconcileDelete(ctx, ws)
	}
	if !controllerutil.ContainsFinalizer(ws, FinalizerStorage) {
		patch := client.MergeFrom(ws.DeepCopy())
		controllerutil.AddFinalizer(ws, FinalizerStorage)
		if err := r.Patch(ctx, ws, patch); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	orig := ws.DeepCopy()

	eff, valid, err := r.decide(ctx, ws)
	if err != nil {
		// No decision (not a denial): say so, leave the children as they
		// are, and retry.
		r.setValid(ws, orig, valid)
		if _, perr := status.Patch(ctx, r.Client, ws, orig); perr != nil {
			return ctrl.Result{}, errors.Join(err, perr)
		}
		return ctrl.Result{}, err
	}
	profile, missing, err := r.profileOf(ctx, eff)
	if err != nil {
		return ctrl.Result{}, err
	}
	if missing != nil && valid.Status == metav1.ConditionTrue {
		valid = *missing
	}
	r.setValid(ws, orig, valid)
	ok := valid.Status == metav1.ConditionTrue
	manager, err := r.managerOf(ctx, ws.Namespace)
	if err != nil {
		return ctrl.Result{}, err
	}

	obs := observed{manager: manager, profile: profile}
	childErr := r.reconcileChildren(ctx, ws, eff, ok, &obs)
	r.eventCreated(ws, &obs)
	url := r.urlOf(ws, eff, ok, &obs)
	retry := r.probeRoute(ctx, ws, url, &obs)
	r.setStatus(ws, eff, ok, &obs, url, childErr)
	check, idleStop := r.reconcileIdle(ctx, ws, eff, ok, url, &obs)
	r.notify(ws, orig)
	if _, err := status.Patch(ctx, r.Client, ws, orig); err != nil {
		return ctrl.Result{}, err
	}
	if idleStop != "" {
		if err := r.stopIdle(ctx, ws, idleStop); err != nil {
			return ctrl.Result{}, err
		}
	}
	retry = sooner(retry, check)
	var conflict errConflict
	if errors.As(childErr, &conflict) {
		return ctrl.Result{}, nil // shown in Degraded; a change to the Workspace retries
	}
	if childErr != nil {
		return ctrl.Result{}, childErr
	}
	return ctrl.Result{RequeueAfter: retry}, nil
}

// observed is what the children look like after this pass.
type observed struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	claim      *corev1.PersistentVolumeClaim
	// claimProblem says why the claim is not as the spec wants (cannot
	// grow, would shrink); empty when it is.
	claimProblem, claimReason string
	// manager serves the Workspace's namespace (nil: none); route is the
	// route made from it; routeProblem says why there is none.
	manager      *wsv1.WorkspaceManager
	route        *wsv1.RouteStatus
	routeProblem string
	// profile is the execution profile the pod runs with (nil: none).
	profile *wsv1.WorkspaceExecutionProfile
	// probed: the route was probed (or served before) this pass;
	// probeErr is why it did not serve.
	probed   bool
	probeErr error
	// created names the children this pass made, for one Created event;
	// createdLast is the event's related object.
	created     []string
	createdLast client.Object
}

// reconcileChildren makes the children match the effective spec. While the
// Workspace is not valid nothing is created and an existing Deployment is
// scaled to zero, so no pod runs; the claim and Service stay as they are.
func (r *Reconciler) reconcileChildren(ctx context.Context, ws, eff *wsv1.Workspace, valid bool, obs *observed) error {
	if !valid {
		if err := r.holdBack(ctx, ws, obs); err != nil {
			return err
		}
		return r.observeRoute(ctx, ws, obs)
	}
	if err := r.ensureClaim(ctx, ws, eff, obs); err != nil {
		return err
	}
	if err := r.ensureService(ctx, ws, eff, obs); err != nil {
		return err
	}
	if err := r.ensureDeployment(ctx, ws, eff, obs); err != nil {
		return err
	}
	return r.reconcileRoute(ctx, ws, eff, obs)
}

// notify emits an Event for what the user must notice: a Deployment or
// claim that could not be made. Valid changes are told in setValid.
func (r *Reconciler) notify(ws, orig *wsv1.Workspace) {
	for _, t := range []string{wsv1.ConditionDegraded} {
		c := findCondition(ws.Status.Conditions, t)
		if c != nil && c.Status == metav1.ConditionTrue && status.IsNew(orig.Status.Conditions, *c) {
			r.Recorder.Eventf(ws, nil, corev1.EventTypeWarning, c.Reason, "Reconcile", "%s", c.Message)
		}
	}
}

func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *appsv1.Deployment:
		return "Deployment"
	case *corev1.Service:
		return "Service"
	case *corev1.PersistentVolumeClaim:
		return "PersistentVolumeClaim"
	case *gatewayv1.HTTPRoute:
		return KindHTTPRoute
	case *networkingv1.Ingress:
		return KindIngress
	}
	return fmt.Sprintf("%T", obj)
}

// mustOwn refuses to adopt or overwrite an object the Workspace does not
// control.
func mustOwn(ws *wsv1.Workspace, obj client.Object) error {
	if ref := metav1.GetControllerOf(obj); ref != nil && ref.UID == ws.UID {
		return nil
	}
	return errConflict{fmt.Errorf("%s %s already exists and is not owned by Workspace %s; delete or rename that object, or rename the Workspace",
		kindOf(obj), obj.GetName(), ws.Name)}
}

// sooner is the earlier of two requeues (0: none).
func sooner(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}
