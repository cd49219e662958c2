package workspaces

import (
	"context"
	"fmt"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// templateRefIndex indexes Workspaces by spec.templateRef, so a template's
// users are found without the label (which only the webhook sets).
const templateRefIndex = "spec.templateRef"

func templateRefOf(o client.Object) []string {
	if ref := o.(*wsv1.Workspace).Spec.TemplateRef; ref != "" {
		return []string{ref}
	}
	return nil
}

// Event reasons of a WorkspaceTemplate.
const (
	ReasonInUse = "InUse"
)

// TemplateReconciler holds a WorkspaceTemplate with the template-protection
// finalizer exactly while a Workspace uses it: added when the first one
// references it, removed when the last one is gone. An unused template
// carries none, so it deletes at once; a used one being deleted waits.
type TemplateReconciler struct {
	client.Client
	Recorder events.EventRecorder
}

func (r *TemplateReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	t := &wsv1.WorkspaceTemplate{}
	if err := r.Get(ctx, req.NamespacedName, t); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// One user answers "in use": every Workspace's creation queues its
	// template, and copying all of a template's users out of the cache
	// each time made a burst of N Workspaces cost O(N²) copies.
	users := &wsv1.WorkspaceList{}
	if err := r.List(ctx, users, client.MatchingFields{templateRefIndex: t.Name}, client.Limit(1)); err != nil {
		return ctrl.Result{}, err
	}
	inUse := len(users.Items) > 0
	has := controllerutil.ContainsFinalizer(t, wsv1.FinalizerTemplateProtection)
	deleting := !t.DeletionTimestamp.IsZero()
	if inUse && has && deleting {
		// The Event names them.
		if err := r.List(ctx, users, client.MatchingFields{templateRefIndex: t.Name}); err != nil {
			return ctrl.Result{}, err
		}
	}
	switch {
	case inUse && !has && !deleting:
		// A finalizer cannot be added once deletion started; the
		// Workspaces then show TemplateNotFound when it is gone.
		patch := client.MergeFrom(t.DeepCopy())
		controllerutil.AddFinalizer(t, wsv1.FinalizerTemplateProtection)
		return ctrl.Result{}, client.IgnoreNotFound(r.Patch(ctx, t, patch))
	case !inUse && has:
		patch := client.MergeFrom(t.DeepCopy())
		controllerutil.RemoveFinalizer(t, wsv1.FinalizerTemplateProtection)
		return ctrl.Result{}, client.IgnoreNotFound(r.Patch(ctx, t, patch))
	case inUse && has && deleting:
		r.Recorder.Eventf(t, nil, corev1.EventTypeWarning, ReasonInUse, "Delete",
			"deletion waits until no Workspace uses this template: %s", workspaceNames(users.Items))
	}
	return ctrl.Result{}, nil
}

// workspaceNames lists a few users as namespace/name, for the Event.
func workspaceNames(items []wsv1.Workspace) string {
	const show = 5
	s := ""
	for i, w := range items {
		if i == show {
			return s + fmt.Sprintf(" and %d more", len(items)-show)
		}
		if i > 0 {
			s += ", "
		}
		s += w.Namespace + "/" + w.Name
	}
	return s
}

// templateOf queues the template a Workspace names.
func templateOf(_ context.Context, o client.Object) []reconcile.Request {
	if ref := o.(*wsv1.Workspace).Spec.TemplateRef; ref != "" {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: ref}}}
	}
	return nil
}

// templateUsers queues a Workspace's template when the Workspace's
// arrival or departure may change its finalizer: every departure (it may
// have been the last user), and an arrival only at a template that does
// not hold the finalizer yet. A burst of Workspaces on a template in use
// costs no reconcile of it. A template not created yet is reconciled by
// its own creation; one whose finalizer the cache still shows although it
// was just removed is reconciled by that removal's own update event, which
// then finds this Workspace in the cache.
func templateUsers(reader client.Reader) handler.TypedFuncs[client.Object, reconcile.Request] {
	add := func(ctx context.Context, o client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		for _, req := range templateOf(ctx, o) {
			q.Add(req)
		}
	}
	return handler.TypedFuncs[client.Object, reconcile.Request]{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			for _, req := range templateOf(ctx, e.Object) {
				t := &wsv1.WorkspaceTemplate{}
				err := reader.Get(ctx, req.NamespacedName, t)
				if apierrors.IsNotFound(err) || (err == nil && controllerutil.ContainsFinalizer(t, wsv1.FinalizerTemplateProtection)) {
					continue
				}
				q.Add(req)
			}
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, e.Object, q)
		},
	}
}

func mgrLog(ctx context.Context) logr.Logger { return ctrl.LoggerFrom(ctx) }
