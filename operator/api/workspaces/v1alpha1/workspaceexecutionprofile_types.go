package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WorkspaceExecutionProfileSpec is the identity an IDE pod runs as.
type WorkspaceExecutionProfileSpec struct {
	// serviceAccountName is ServiceAccount of the IDE pod, in this namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// automountServiceAccountToken mounts the ServiceAccount's API token into the pod. Defaults to
	// false: only profiles meant to call the Kubernetes API need it.
	// +optional
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`

	// podAnnotations are annotations put on the IDE pod, e.g. for cloud identities.
	// +optional
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// podLabels are labels put on the IDE pod, e.g. azure.workload.identity/use: "true".
	// Weir's own labels win over these.
	// +optional
	PodLabels map[string]string `json:"podLabels,omitempty"`

	// env is the environment added to the IDE container (a Workspace's own entry of
	// the same name wins). Use valueFrom.secretKeyRef for credentials.
	// +kubebuilder:validation:MaxItems=128
	// +listType=map
	// +listMapKey=name
	// +optional
	Env []corev1.EnvVar `json:"env,omitempty"`
}

// WorkspaceExecutionProfile is an identity Workspaces may run as: a
// Workspace names it in spec.executionProfileRef, and admission checks
// that its creator may "use" it (RBAC verb use on
// workspaceexecutionprofiles). A Workspace never names a ServiceAccount
// itself.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=wsep,categories=jupyter
// +kubebuilder:printcolumn:name="ServiceAccount",type=string,JSONPath=`.spec.serviceAccountName`
// +kubebuilder:printcolumn:name="Automount",type=boolean,JSONPath=`.spec.automountServiceAccountToken`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceExecutionProfile struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the WorkspaceExecutionProfile.
	// +required
	Spec WorkspaceExecutionProfileSpec `json:"spec,omitzero"`
}

// WorkspaceExecutionProfileList is a list of WorkspaceExecutionProfiles.
// +kubebuilder:object:root=true
type WorkspaceExecutionProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceExecutionProfile `json:"items"`
}

func init() {
	register(&WorkspaceExecutionProfile{}, &WorkspaceExecutionProfileList{})
}
