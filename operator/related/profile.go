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

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaceexecutionprofiles,verbs=get;list;watch

// Profile sets related.profile to the WorkspaceExecutionProfile a
// Workspace's spec.executionProfileRef names, in its namespace, so the
// policies see whether it exists (and admins may key rules on it). Left
// out when the Workspace names none or it does not exist (yet).
var Profile Resolver = ResolverFunc(profile)

func profile(ctx context.Context, r client.Reader, obj *unstructured.Unstructured, out map[string]any) error {
	ref, _, _ := unstructured.NestedString(obj.Object, "spec", "executionProfileRef")
	if ref == "" || obj.GetNamespace() == "" {
		return nil
	}
	p := &wsv1.WorkspaceExecutionProfile{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: ref}, p); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return nil
		}
		return fmt.Errorf("WorkspaceExecutionProfile %s/%s: %w", obj.GetNamespace(), ref, err)
	}
	m, err := asRelated(p, "WorkspaceExecutionProfile")
	if err != nil {
		return err
	}
	out["profile"] = m
	return nil
}
