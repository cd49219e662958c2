package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DesiredStatus says whether a Workspace's IDE should run.
// +kubebuilder:validation:Enum=Running;Stopped
type DesiredStatus string

const (
	// DesiredRunning: one pod serves the IDE.
	DesiredRunning DesiredStatus = "Running"
	// DesiredStopped: no pod; the storage and the Service stay.
	DesiredStopped DesiredStatus = "Stopped"
)

// OwnershipType says who besides RBAC decides over a Workspace.
// +kubebuilder:validation:Enum=Public;OwnerOnly
type OwnershipType string

const (
	// OwnershipPublic: anyone RBAC lets may change, delete and connect.
	OwnershipPublic OwnershipType = "Public"
	// OwnershipOwnerOnly: only the owner (and cluster admins) may change or
	// delete; only the owner and the subjects of WorkspaceShares may connect.
	OwnershipOwnerOnly OwnershipType = "OwnerOnly"
)

// StorageReclaimPolicy says what happens to a Workspace's primary storage
// when the Workspace is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type StorageReclaimPolicy string

const (
	// ReclaimRetain keeps the PersistentVolumeClaim (and the user's data)
	// after the Workspace is deleted. The default: storage is user data.
	ReclaimRetain StorageReclaimPolicy = "Retain"
	// ReclaimDelete deletes the PersistentVolumeClaim with the Workspace.
	ReclaimDelete StorageReclaimPolicy = "Delete"
)

// WorkspaceSpec is one IDE: its image, compute, storage and who owns it.
// Fields left unset are filled from the WorkspaceTemplate named by
// templateRef (image, resources, storage, env, ownershipType), then from
// Weir's defaults; status shows the effective values. It is never empty once
// defaulted (desiredStatus has a default), so `spec: {}` is accepted.
// +kubebuilder:validation:MinProperties=1
// +kubebuilder:validation:XValidation:rule="has(self.templateRef) == has(oldSelf.templateRef) && (!has(self.templateRef) || self.templateRef == oldSelf.templateRef)",message="spec.templateRef is immutable: it cannot be set, changed or removed after the Workspace is created; to use another template, create a new Workspace",fieldPath=".templateRef"
type WorkspaceSpec struct {
	// displayName is the human-readable name of the Workspace, shown in UIs.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	DisplayName string `json:"displayName,omitempty"`

	// image is the container image of the IDE. A short name (for example "uv") resolves
	// through the image table the cluster admin configures; status.image
	// shows the image that runs. Unset: the template's defaultImage. With a
	// template, the image must be its defaultImage or one of its
	// allowedImages.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +optional
	Image string `json:"image,omitempty"`

	// desiredStatus is Running or Stopped: Running starts one pod; Stopped scales it to none and keeps the storage.
	// Defaults to Running.
	// +kubebuilder:default=Running
	// +optional
	DesiredStatus DesiredStatus `json:"desiredStatus,omitempty"`

	// resources holds CPU, memory and GPU (nvidia.com/gpu) requests and limits of the IDE
	// container. Unset: the template's defaultResources. With a template,
	// each request and limit must lie within its resourceBounds.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// storage is the primary storage: a PersistentVolumeClaim mounted into the IDE. Every
	// Workspace has one; unset fields come from the template's
	// primaryStorage, then from Weir's defaults (10Gi at /home/jovyan, the
	// cluster's default StorageClass, Retain).
	// +optional
	Storage *WorkspaceStorage `json:"storage,omitempty"`

	// templateRef is the name of the cluster-scoped WorkspaceTemplate that gives this Workspace
	// its defaults and bounds. Immutable: it cannot be set, changed or
	// removed after creation. A template that does not exist yet leaves the
	// Workspace without a pod (Valid=False, reason TemplateNotFound) until
	// it is created. Unset: no template, no bounds.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	TemplateRef string `json:"templateRef,omitempty"`

	// ownershipType says who may change, delete and connect to the Workspace besides what RBAC
	// allows: Public (anyone RBAC lets) or OwnerOnly (its owner, the user
	// who created it, and cluster admins; connecting also the subjects of
	// its WorkspaceShares). Unset: the template's defaultOwnershipType, else
	// Public.
	// +optional
	OwnershipType OwnershipType `json:"ownershipType,omitempty"`

	// volumes are further PersistentVolumeClaims, in the Workspace's namespace, mounted
	// into the IDE.
	// +kubebuilder:validation:MaxItems=32
	// +listType=map
	// +listMapKey=name
	// +optional
	Volumes []WorkspaceVolume `json:"volumes,omitempty"`

	// containerConfig is the command and arguments of the IDE container. Unset: the image's own.
	// +optional
	ContainerConfig *ContainerConfig `json:"containerConfig,omitempty"`

	// lifecycle is the postStart and preStop hooks of the IDE container.
	// +optional
	Lifecycle *corev1.Lifecycle `json:"lifecycle,omitempty"`

	// nodeSelector lists the node labels the IDE pod must match to be scheduled.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// affinity is the node affinity and pod (anti-)affinity of the IDE pod.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// tolerations are the taints the IDE pod tolerates.
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// env is the environment of the IDE container, added to the template's
	// environmentVariables (a name given here wins). Use
	// valueFrom.secretKeyRef for credentials, never a literal value.
	// +kubebuilder:validation:MaxItems=128
	// +listType=map
	// +listMapKey=name
	// +optional
	Env []corev1.EnvVar `json:"env,omitempty"`

	// idleShutdown stops the Workspace (desiredStatus becomes Stopped) after it has been
	// idle for a while. Unset: never stopped for idleness.
	// +optional
	IdleShutdown *IdleShutdown `json:"idleShutdown,omitempty"`

	// executionProfileRef is the name of the WorkspaceExecutionProfile, in this namespace, whose
	// identity (ServiceAccount, token automount, cloud-identity pod
	// annotations and labels, env) the IDE pod runs with. Whoever creates
	// or changes the Workspace must be allowed to "use" it (RBAC verb use
	// on workspaceexecutionprofiles); a template may limit which profiles
	// are allowed. Unset: no ServiceAccount token and the namespace's
	// default ServiceAccount.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ExecutionProfileRef string `json:"executionProfileRef,omitempty"`

	// tunnel is a tunnel for desktop IDEs (VS Code Remote, SSH): a sidecar in the
	// pod that `weir workspace connect` reaches over the Workspace's
	// authenticated URL (<url>_weir/tunnel, a WebSocket) and that forwards
	// to port inside the pod. No Service of type LoadBalancer or NodePort,
	// no SSH ingress. Unset: the template's defaultTunnel, else none.
	// +optional
	Tunnel *WorkspaceTunnel `json:"tunnel,omitempty"`
}

// WorkspaceTunnel is where a desktop IDE's tunnel ends inside the pod.
type WorkspaceTunnel struct {
	// port is the port, inside the pod, the tunnel forwards to: an SSH server (22)
	// or a VS Code server's port.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +required
	Port int32 `json:"port,omitempty"`
}

// WorkspaceStorage is a Workspace's primary storage.
type WorkspaceStorage struct {
	// storageClassName is StorageClass of the PersistentVolumeClaim. Unset: the template's
	// primaryStorage.defaultStorageClassName, else the cluster's default
	// StorageClass.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// Size of the PersistentVolumeClaim, a quantity such as 10Gi or 500Mi.
	// Unset: the template's primaryStorage.defaultSize, else 10Gi. With a
	// template it must lie within primaryStorage.minSize and maxSize. It
	// may grow later if the StorageClass allows expansion, never shrink.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == string ? isQuantity(self) && quantity(self).isGreaterThan(quantity('0')) : type(self) == int && self > 0",message="must be a positive quantity such as 10Gi or 500Mi: a number with an optional suffix Ki, Mi, Gi, Ti (or k, M, G, T)"
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`

	// mountPath is the absolute path where the storage is mounted in the IDE container.
	// Unset: the template's primaryStorage.defaultMountPath, else
	// /home/jovyan.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:XValidation:rule="self.startsWith('/')",message="must be an absolute path, starting with /"
	// +optional
	MountPath string `json:"mountPath,omitempty"`

	// reclaimPolicy says what happens to the PersistentVolumeClaim when the Workspace is
	// deleted: Retain keeps it (and the data), Delete deletes it. Stopping
	// a Workspace always keeps it. Unset: the template's
	// primaryStorage.reclaimPolicy, else Retain.
	// +optional
	ReclaimPolicy StorageReclaimPolicy `json:"reclaimPolicy,omitempty"`
}

// WorkspaceVolume mounts an existing PersistentVolumeClaim into the IDE.
type WorkspaceVolume struct {
	// name of the volume in the pod, unique within the Workspace: a DNS
	// label (lower-case letters, digits and '-').
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +required
	Name string `json:"name,omitempty"`

	// persistentVolumeClaimName is the name of the PersistentVolumeClaim, in the Workspace's namespace. Weir
	// neither creates nor deletes it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	PersistentVolumeClaimName string `json:"persistentVolumeClaimName,omitempty"`

	// mountPath is the absolute path where the volume is mounted in the IDE container.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:XValidation:rule="self.startsWith('/')",message="must be an absolute path, starting with /"
	// +required
	MountPath string `json:"mountPath,omitempty"`

	// readOnly mounts the volume read-only. Defaults to false.
	// +optional
	ReadOnly bool `json:"readOnly,omitempty"`
}

// ContainerConfig overrides the IDE container's entrypoint.
type ContainerConfig struct {
	// command is the entrypoint of the IDE container, instead of the image's ENTRYPOINT.
	// At most 256 entries of at most 8 KiB each, as for args.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=8192
	// +optional
	Command []string `json:"command,omitempty"`

	// args are the arguments to the entrypoint, instead of the image's CMD.
	// An argument may be a whole `sh -c` script, hence 8 KiB each.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=8192
	// +optional
	Args []string `json:"args,omitempty"`
}

// IdleShutdown stops an idle Workspace.
type IdleShutdown struct {
	// enabled turns idle shutdown on. Defaults to false.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// idleTimeoutInMinutes is the minutes without activity after which the Workspace is stopped, from 1
	// to 10080 (7 days). Defaults to 60.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10080
	// +kubebuilder:default=60
	// +optional
	IdleTimeoutInMinutes int32 `json:"idleTimeoutInMinutes,omitempty"`

	// detection sets how activity is detected. Unset: Jupyter Server's /api/status
	// (last_activity) on the IDE port.
	// +optional
	Detection *IdleDetection `json:"detection,omitempty"`
}

// IdleDetection says how a Workspace's last activity is read.
type IdleDetection struct {
	// httpGet is an HTTP GET on the IDE container that answers with its activity.
	// +optional
	HTTPGet *corev1.HTTPGetAction `json:"httpGet,omitempty"`
}

// WorkspaceStorageStatus is the primary storage as it is.
type WorkspaceStorageStatus struct {
	// claimName is the name of the PersistentVolumeClaim.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ClaimName string `json:"claimName,omitempty"`
	// storageClassName is StorageClass of the claim; unset for the cluster's default.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	StorageClassName string `json:"storageClassName,omitempty"`
	// size is the effective requested size.
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`
	// capacity the bound volume reports; below size while a resize is
	// pending or has failed (the Degraded condition says why).
	// +optional
	Capacity *resource.Quantity `json:"capacity,omitempty"`
	// mountPath is the effective mount path in the IDE container.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	MountPath string `json:"mountPath,omitempty"`
	// reclaimPolicy is the effective reclaim policy: Retain or Delete.
	// +optional
	ReclaimPolicy StorageReclaimPolicy `json:"reclaimPolicy,omitempty"`
	// phase of the claim: Pending, Bound or Lost, as the claim says.
	// +kubebuilder:validation:Enum=Pending;Bound;Lost
	// +optional
	Phase corev1.PersistentVolumeClaimPhase `json:"phase,omitempty"`
}

// RouteStatus names a Workspace's route and its manager.
type RouteStatus struct {
	// kind is HTTPRoute or Ingress.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Kind string `json:"kind,omitempty"`
	// name of the route, in the Workspace's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Name string `json:"name,omitempty"`
	// manager is the WorkspaceManager it was made from.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Manager string `json:"manager,omitempty"`
}

// WorkspaceStatus is the observed state of a Workspace. Every status write
// sets observedGeneration, so an empty status is never written.
// +kubebuilder:validation:MinProperties=1
type WorkspaceStatus struct {
	// conditions are the conditions, each with observedGeneration: Valid (the template and the
	// policies in force allow the spec; reasons TemplateViolation,
	// PolicyDenied, TemplateNotFound when False, the message listing every
	// problem; no pod runs while False), Available (the IDE serves at its
	// URL), Progressing (a rollout, start or stop is under way) and
	// Degraded (something needs attention: a claim that cannot bind or
	// grow, a pod that cannot start).
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +kubebuilder:validation:Minimum=1
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// url is the Workspace's unique URL: <base>/workspaces/<namespace>/<name>/.
	// The base URL is at most 2048 characters; namespace and name add at most 330.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	URL string `json:"url,omitempty"`

	// image is the effective image, after template defaults and short-name resolution.
	// Twice spec.image's bound: the admin's image table may map a short name
	// to a longer reference.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Image string `json:"image,omitempty"`

	// resources is the effective requests and limits of the IDE container.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// storage is the effective primary storage and its claim's state.
	// +optional
	Storage *WorkspaceStorageStatus `json:"storage,omitempty"`

	// deploymentName is the name of the Deployment that runs the IDE pod.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	DeploymentName string `json:"deploymentName,omitempty"`

	// serviceName is the name of the Service in front of the IDE pod.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	ServiceName string `json:"serviceName,omitempty"`

	// route is the route that serves status.url: kind (HTTPRoute or Ingress) and
	// name, made from the WorkspaceManager that serves the namespace.
	// +optional
	Route *RouteStatus `json:"route,omitempty"`

	// serviceAccountName is ServiceAccount the IDE pod runs as (from the execution profile).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// desiredReplicas counts the pods wanted: 1 when Running and valid, else 0.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas,omitempty"`

	// currentReplicas counts the pods that exist now (Stopped reaches 0 when the last one is gone).
	// +optional
	CurrentReplicas int32 `json:"currentReplicas,omitempty"`

	// readyReplicas counts the pods that are ready.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
}

// Workspace is an IDE (JupyterLab and others) with its own storage and URL.
// It becomes a Deployment (one pod, or none when Stopped), a Service and a
// PersistentVolumeClaim.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ws,categories=jupyter
// +kubebuilder:printcolumn:name="Template",type=string,JSONPath=`.spec.templateRef`
// +kubebuilder:printcolumn:name="Desired",type=string,JSONPath=`.spec.desiredStatus`,description="Desired status: Running or Stopped"
// +kubebuilder:printcolumn:name="Valid",type=string,JSONPath=`.status.conditions[?(@.type=="Valid")].status`
// +kubebuilder:printcolumn:name="Available",type=string,JSONPath=`.status.conditions[?(@.type=="Available")].status`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.url`
// +kubebuilder:printcolumn:name="Display Name",type=string,JSONPath=`.spec.displayName`,priority=1
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.status.image`,priority=1,description="Effective image"
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Valid")].reason`,priority=1,description="Why the Workspace is not valid"
// +kubebuilder:printcolumn:name="Progressing",type=string,JSONPath=`.status.conditions[?(@.type=="Progressing")].status`,priority=1
// +kubebuilder:printcolumn:name="Degraded",type=string,JSONPath=`.status.conditions[?(@.type=="Degraded")].status`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Workspace struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the Workspace.
	// +required
	Spec WorkspaceSpec `json:"spec"`
	// status is the observed state of the Workspace.
	// +optional
	Status WorkspaceStatus `json:"status,omitzero"`
}

// WorkspaceList is a list of Workspaces.
// +kubebuilder:object:root=true
type WorkspaceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Workspace `json:"items"`
}

func init() {
	register(&Workspace{}, &WorkspaceList{})
}
