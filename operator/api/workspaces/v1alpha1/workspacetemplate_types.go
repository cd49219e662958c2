package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WorkspaceTemplateSpec is an approved environment: the defaults a Workspace
// inherits for what it leaves unset, and the bounds it must stay within.
// +kubebuilder:validation:XValidation:rule="!has(self.allowedImages) || size(self.allowedImages) == 0 || self.defaultImage in self.allowedImages",message="spec.defaultImage must be one of spec.allowedImages: add it to the list, or leave allowedImages empty to allow only defaultImage",fieldPath=".defaultImage"
type WorkspaceTemplateSpec struct {
	// displayName is the human-readable name of the template, shown in UIs and by
	// `kubectl get workspacetemplates`.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	DisplayName string `json:"displayName,omitempty"`

	// description says what the template is for.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`

	// defaultImage is the image of Workspaces that name none. A short name resolves through the
	// admin's image table, as a Workspace's image does.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +required
	DefaultImage string `json:"defaultImage,omitempty"`

	// allowedImages lists the images a Workspace may name. Empty: only defaultImage. When set, it
	// must include defaultImage.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=512
	// +listType=set
	// +optional
	AllowedImages []string `json:"allowedImages,omitempty"`

	// defaultResources are the requests and limits of Workspaces that set no resources.
	// +optional
	DefaultResources *corev1.ResourceRequirements `json:"defaultResources,omitempty"`

	// resourceBounds is the minimum and maximum of each request and limit a Workspace may set
	// (its own or inherited). Unset: no bounds.
	// +optional
	ResourceBounds *ResourceBounds `json:"resourceBounds,omitempty"`

	// primaryStorage is the size, class, mount path and bounds of Workspaces' primary storage.
	// +optional
	PrimaryStorage *PrimaryStorage `json:"primaryStorage,omitempty"`

	// environmentVariables is the environment of every Workspace's IDE container; a Workspace's own env
	// entry of the same name wins. Use valueFrom.secretKeyRef for
	// credentials, never a literal value.
	// +kubebuilder:validation:MaxItems=128
	// +listType=map
	// +listMapKey=name
	// +optional
	EnvironmentVariables []corev1.EnvVar `json:"environmentVariables,omitempty"`

	// defaultOwnershipType is the ownershipType of Workspaces that set none: Public or OwnerOnly.
	// Defaults to Public.
	// +kubebuilder:default=Public
	// +optional
	DefaultOwnershipType OwnershipType `json:"defaultOwnershipType,omitempty"`

	// allowedExecutionProfiles lists the WorkspaceExecutionProfiles (by name, in the Workspace's namespace) a
	// Workspace of this template may run with. Empty: any profile its
	// creator may use.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=253
	// +listType=set
	// +optional
	AllowedExecutionProfiles []string `json:"allowedExecutionProfiles,omitempty"`

	// idleShutdown is the idle shutdown of the template's Workspaces: the default, and the
	// longest timeout a Workspace may choose.
	// +optional
	IdleShutdown *TemplateIdleShutdown `json:"idleShutdown,omitempty"`

	// defaultContainerConfig is the command and arguments of the IDE container of Workspaces that set no
	// containerConfig (e.g. code-server's --bind-addr 0.0.0.0:8888 --auth
	// none, so it serves on Weir's IDE port behind the access server).
	// +optional
	DefaultContainerConfig *ContainerConfig `json:"defaultContainerConfig,omitempty"`

	// defaultTunnel is the tunnel of Workspaces that set none (e.g. port 22 for an image with
	// an SSH server, for VS Code Remote-SSH).
	// +optional
	DefaultTunnel *WorkspaceTunnel `json:"defaultTunnel,omitempty"`
}

// TemplateIdleShutdown bounds and defaults Workspaces' idle shutdown.
type TemplateIdleShutdown struct {
	// enabled turns idle shutdown on for Workspaces that do not say. Defaults to
	// false.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// defaultIdleTimeoutInMinutes is the minutes without activity before a Workspace that does not say is
	// stopped, from 1 to 10080. Defaults to 60.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10080
	// +optional
	DefaultIdleTimeoutInMinutes int32 `json:"defaultIdleTimeoutInMinutes,omitempty"`

	// maxIdleTimeoutInMinutes is the longest idle timeout a Workspace may set; with it set, idle
	// shutdown cannot be turned off. Unset: no bound.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10080
	// +optional
	MaxIdleTimeoutInMinutes int32 `json:"maxIdleTimeoutInMinutes,omitempty"`
}

// ResourceBounds bounds each request and limit of a Workspace's container.
type ResourceBounds struct {
	// cpu is CPU, in cores (for example 100m or 2).
	// +optional
	CPU *ResourceRange `json:"cpu,omitempty"`

	// memory is the memory, in bytes (for example 128Mi or 4Gi).
	// +optional
	Memory *ResourceRange `json:"memory,omitempty"`

	// gpu is the GPU count, as the extended resource nvidia.com/gpu. A Workspace
	// that requests none counts as 0.
	// +optional
	GPU *ResourceRange `json:"gpu,omitempty"`
}

// ResourceRange is an inclusive range of a quantity; either end may be open.
// +kubebuilder:validation:XValidation:rule="!has(self.min) || !has(self.max) || !isQuantity(string(self.min)) || !isQuantity(string(self.max)) || quantity(string(self.min)).compareTo(quantity(string(self.max))) <= 0",message="min must not exceed max"
type ResourceRange struct {
	// Smallest allowed value (inclusive). Unset: no minimum.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == string ? isQuantity(self) && !quantity(self).isLessThan(quantity('0')) : type(self) == int && self >= 0",message="must be a quantity of at least 0 such as 500m, 2 or 4Gi: a number with an optional suffix m, Ki, Mi, Gi (or k, M, G)"
	// +optional
	Min *resource.Quantity `json:"min,omitempty"`

	// Largest allowed value (inclusive). Unset: no maximum.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == string ? isQuantity(self) && !quantity(self).isLessThan(quantity('0')) : type(self) == int && self >= 0",message="must be a quantity of at least 0 such as 500m, 2 or 4Gi: a number with an optional suffix m, Ki, Mi, Gi (or k, M, G)"
	// +optional
	Max *resource.Quantity `json:"max,omitempty"`
}

// PrimaryStorage is the template's say over Workspaces' primary storage.
// +kubebuilder:validation:XValidation:rule="!has(self.minSize) || !has(self.maxSize) || !isQuantity(string(self.minSize)) || !isQuantity(string(self.maxSize)) || quantity(string(self.minSize)).compareTo(quantity(string(self.maxSize))) <= 0",message="minSize must not exceed maxSize",fieldPath=".minSize"
// +kubebuilder:validation:XValidation:rule="!has(self.defaultSize) || !has(self.minSize) || !isQuantity(string(self.defaultSize)) || !isQuantity(string(self.minSize)) || quantity(string(self.defaultSize)).compareTo(quantity(string(self.minSize))) >= 0",message="defaultSize must not be below minSize",fieldPath=".defaultSize"
// +kubebuilder:validation:XValidation:rule="!has(self.defaultSize) || !has(self.maxSize) || !isQuantity(string(self.defaultSize)) || !isQuantity(string(self.maxSize)) || quantity(string(self.defaultSize)).compareTo(quantity(string(self.maxSize))) <= 0",message="defaultSize must not exceed maxSize",fieldPath=".defaultSize"
type PrimaryStorage struct {
	// Size of Workspaces that set no storage.size. Unset: 10Gi.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == string ? isQuantity(self) && quantity(self).isGreaterThan(quantity('0')) : type(self) == int && self > 0",message="must be a positive quantity such as 10Gi or 500Mi: a number with an optional suffix Ki, Mi, Gi, Ti (or k, M, G, T)"
	// +optional
	DefaultSize *resource.Quantity `json:"defaultSize,omitempty"`

	// Smallest storage.size a Workspace may set (inclusive).
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == string ? isQuantity(self) && quantity(self).isGreaterThan(quantity('0')) : type(self) == int && self > 0",message="must be a positive quantity such as 10Gi or 500Mi: a number with an optional suffix Ki, Mi, Gi, Ti (or k, M, G, T)"
	// +optional
	MinSize *resource.Quantity `json:"minSize,omitempty"`

	// Largest storage.size a Workspace may set (inclusive).
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == string ? isQuantity(self) && quantity(self).isGreaterThan(quantity('0')) : type(self) == int && self > 0",message="must be a positive quantity such as 10Gi or 500Mi: a number with an optional suffix Ki, Mi, Gi, Ti (or k, M, G, T)"
	// +optional
	MaxSize *resource.Quantity `json:"maxSize,omitempty"`

	// defaultStorageClassName is StorageClass of Workspaces that set no storage.storageClassName.
	// Unset: the cluster's default StorageClass.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	DefaultStorageClassName *string `json:"defaultStorageClassName,omitempty"`

	// defaultMountPath is the mount path of Workspaces that set no storage.mountPath. Unset:
	// /home/jovyan.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:XValidation:rule="self.startsWith('/')",message="must be an absolute path, starting with /"
	// +optional
	DefaultMountPath string `json:"defaultMountPath,omitempty"`

	// reclaimPolicy says what happens to the storage of a deleted Workspace that sets no
	// storage.reclaimPolicy: Retain keeps the PersistentVolumeClaim,
	// Delete deletes it. Unset: Retain.
	// +optional
	ReclaimPolicy StorageReclaimPolicy `json:"reclaimPolicy,omitempty"`
}

// WorkspaceTemplate gives Workspaces in every namespace defaults and bounds.
// Its spec is immutable: to change a template, create a new one with another
// name (for example production-v2). It cannot be deleted while a Workspace
// uses it (finalizer workspace.jupyter.org/template-protection).
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=wst,categories=jupyter
// +kubebuilder:printcolumn:name="Display Name",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Default Image",type=string,JSONPath=`.spec.defaultImage`
// +kubebuilder:printcolumn:name="Description",type=string,JSONPath=`.spec.description`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceTemplate struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the template's defaults and bounds. Immutable after creation.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: a WorkspaceTemplate cannot change after creation, so the Workspaces using it stay as they were created; create a new template with another name (for example production-v2) and use it for new Workspaces"
	// +required
	Spec WorkspaceTemplateSpec `json:"spec,omitzero"`
}

// WorkspaceTemplateList is a list of WorkspaceTemplates.
// +kubebuilder:object:root=true
type WorkspaceTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceTemplate `json:"items"`
}

func init() {
	register(&WorkspaceTemplate{}, &WorkspaceTemplateList{})
}
