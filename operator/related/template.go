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

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspacetemplates,verbs=get;list;watch

// Template sets related.template to the WorkspaceTemplate a Workspace's
// spec.templateRef names: the whole object as the API server returns it
// (apiVersion, kind, metadata without managedFields, spec, status), the
// contract of policies/bundle/workspaces. It is left out when the
// Workspace names none or the template does not exist (yet).
var Template Resolver = ResolverFunc(template)

func template(ctx context.Context, r client.Reader, obj *unstructured.Unstructured, out map[string]any) error {
	ref, _, _ := unstructured.NestedString(obj.Object, "spec", "templateRef")
	if ref == "" {
		return nil
	}
	// Typed, so the manager's client reads it from its cache.
	t := &wsv1.WorkspaceTemplate{}
	if err := r.Get(ctx, client.ObjectKey{Name: ref}, t); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return nil
		}
		return fmt.Errorf("WorkspaceTemplate %s: %w", ref, err)
	}
	m, err := asRelated(t, "WorkspaceTemplate")
	if err != nil {
		return err
	}
	out["template"] = m
	return nil
}
