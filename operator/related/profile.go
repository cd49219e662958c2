package related

import (
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaceexecutionprofiles,verbs=get;list;watch

// Profile sets related.profile to the WorkspaceExecutionProfile a
// Workspace's spec.executionProfileRef names, in its namespace, so the
// policies see whether it exists (and admins may key rules on it). Left
// out when the Workspace names none or it does not exist (yet).
var Profile = sameNamespace("WorkspaceExecutionProfile", []string{"spec", "executionProfileRef"}, "profile",
	func() client.Object { return &wsv1.WorkspaceExecutionProfile{} })
