package workspaces

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// ReconcileUser is who the policies see deciding at reconcile.
const ReconcileUser = "system:weir:reconcile"

// check decides ws as a CREATE by the controller.
// Interim: replaced by operator/policycheck and the related resolver once
// they land.
func (r *Reconciler) check(ctx context.Context, ws *wsv1.Workspace) (engine.Decision, error) {
	obj, err := toMap(ws, "Workspace")
	if err != nil {
		return engine.Decision{}, err
	}
	related := map[string]any{}
	if ws.Spec.TemplateRef != "" {
		t := &wsv1.WorkspaceTemplate{}
		err := r.Get(ctx, client.ObjectKey{Name: ws.Spec.TemplateRef}, t)
		switch {
		case err == nil:
			if related["template"], err = toMap(t, "WorkspaceTemplate"); err != nil {
				return engine.Decision{}, err
			}
		case !apierrors.IsNotFound(err):
			return engine.Decision{}, err
		}
	}
	gv := wsv1.GroupVersion
	return r.Policies.Decide(ctx, engine.Input{
		Kind:      engine.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: "Workspace"},
		Operation: "CREATE",
		UserInfo:  engine.UserInfo{Username: ReconcileUser},
		Namespace: ws.Namespace,
		Name:      ws.Name,
		Object:    obj,
		Related:   related,
	})
}

func toMap(obj runtime.Object, kind string) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	m["apiVersion"], m["kind"] = wsv1.GroupVersion.String(), kind
	return m, nil
}
