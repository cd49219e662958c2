package v1alpha1

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WorkspaceShareSpec grants subjects access to one Workspace.
type WorkspaceShareSpec struct {
	// workspaceName is the name of the Workspace, in this namespace. Immutable: share another
	// Workspace with another WorkspaceShare.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.workspaceName is immutable: create another WorkspaceShare to share another Workspace"
	// +required
	WorkspaceName string `json:"workspaceName,omitempty"`

	// subjects says who may connect: Users and Groups (as the login names them, with the
	// manager's prefixes) and ServiceAccounts.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=256
	// +listType=atomic
	// +required
	Subjects []rbacv1.Subject `json:"subjects,omitempty"`
}

// WorkspaceShare lets the subjects it names connect to an OwnerOnly
// Workspace. Only the Workspace's owner, or a user RBAC allows to "share"
// workspaces, may create or change one; deleting it revokes the access on
// the next request. It is deleted with its Workspace.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=wss,categories=jupyter
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.spec.workspaceName`
// +kubebuilder:printcolumn:name="Subjects",type=string,JSONPath=`.spec.subjects[*].name`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceShare struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the WorkspaceShare.
	// +required
	Spec WorkspaceShareSpec `json:"spec,omitzero"`
}

// WorkspaceShareList is a list of WorkspaceShares.
// +kubebuilder:object:root=true
type WorkspaceShareList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceShare `json:"items"`
}

func init() {
	register(&WorkspaceShare{}, &WorkspaceShareList{})
}
