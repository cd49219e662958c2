package related

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaces,verbs=get;list;watch

// Workspace sets related.workspace to the Workspace a WorkspaceShare's
// spec.workspaceName names, in the share's namespace: the whole object
// (its uid for the share's owner reference, its owner annotation for who
// may share it). Left out when it does not exist.
var Workspace Resolver = ResolverFunc(workspace)

func workspace(ctx context.Context, r client.Reader, obj *unstructured.Unstructured, out map[string]any) error {
	name, _, _ := unstructured.NestedString(obj.Object, "spec", "workspaceName")
	if name == "" || obj.GetNamespace() == "" {
		return nil
	}
	ws := &wsv1.Workspace{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: name}, ws); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return nil
		}
		return fmt.Errorf("Workspace %s/%s: %w", obj.GetNamespace(), name, err)
	}
	m, err := asRelated(ws, "Workspace")
	if err != nil {
		return err
	}
	out["workspace"] = m
	return nil
}
