package related

import (
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaces,verbs=get;list;watch

// Workspace sets related.workspace to the Workspace a WorkspaceShare's
// spec.workspaceName names, in the share's namespace: the whole object
// (its uid for the share's owner reference, its owner annotation for who
// may share it). Left out when it does not exist.
var Workspace = sameNamespace("Workspace", []string{"spec", "workspaceName"}, "workspace",
	func() client.Object { return &wsv1.Workspace{} })
