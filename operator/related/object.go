package related

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// asRelated is a Workspace-group object read from the cache as a policy
// sees it: the whole object as the API server returns it (apiVersion,
// kind, metadata without managedFields, spec, status), the contract of
// policies/bundle/workspaces.
func asRelated(obj client.Object, kind string) (map[string]any, error) {
	obj = obj.DeepCopyObject().(client.Object)
	obj.SetManagedFields(nil)
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, obj.GetName(), err)
	}
	m["apiVersion"], m["kind"] = wsv1.GroupVersion.String(), kind
	return m, nil
}
