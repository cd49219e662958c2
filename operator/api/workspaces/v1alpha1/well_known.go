package v1alpha1

import corev1 "k8s.io/api/core/v1"

// Labels, annotations, finalizers and condition vocabulary shared by the
// controller, the webhooks, the policies and the CLI. The names are Jupyter
// k8s's, so users and tools written for it keep working.
const (
	// FinalizerTemplateProtection holds a WorkspaceTemplate while a
	// Workspace uses it. Added lazily, when the first Workspace references
	// the template, and removed when the last one is gone.
	FinalizerTemplateProtection = "workspace.jupyter.org/template-protection"

	// FinalizerStorage holds a Workspace until its primary claim is
	// released (Retain: the owner reference removed, so garbage collection
	// keeps it) or deleted (Delete). The mutating webhook adds it when a
	// Workspace is created, the controller when the webhook did not.
	FinalizerStorage = "workspace.jupyter.org/storage"

	// LabelTemplate on a Workspace names its WorkspaceTemplate, so the
	// Workspaces using a template are one label selector away.
	LabelTemplate = "workspace.jupyter.org/template"

	// LabelWorkspace on a Workspace's children (Deployment, pod, Service,
	// PersistentVolumeClaim) names the Workspace.
	LabelWorkspace = "workspace.jupyter.org/workspace"

	// AnnotationCreatedBy on a Workspace holds its owner: the user who
	// created it, taken from the admission request. Only Weir sets it; a
	// user can neither forge nor change it.
	AnnotationCreatedBy = "workspace.jupyter.org/created-by"

	// ConditionValid says whether the template and the policies in force
	// allow the spec. While False no pod runs; fixing the spec (or
	// creating the missing template) brings the Workspace up.
	ConditionValid = "Valid"
	// ConditionAvailable says whether the IDE serves at status.url.
	ConditionAvailable = "Available"
	// ConditionProgressing is True while a start, stop or rollout is under way.
	ConditionProgressing = "Progressing"
	// ConditionDegraded is True when something needs attention: a claim
	// that cannot bind or grow, a pod that cannot start.
	ConditionDegraded = "Degraded"

	// ReasonTemplateViolation (Valid=False): the spec breaks the
	// template's bounds or allowed images; the message lists each.
	ReasonTemplateViolation = "TemplateViolation"
	// ReasonPolicyDenied (Valid=False): a policy in force denies the spec;
	// the message lists each denial.
	ReasonPolicyDenied = "PolicyDenied"
	// ReasonTemplateNotFound (Valid=False): spec.templateRef names a
	// WorkspaceTemplate that does not exist (yet).
	ReasonTemplateNotFound = "TemplateNotFound"
	// ReasonExecutionProfileNotFound (Valid=False): spec.executionProfileRef
	// names a WorkspaceExecutionProfile that does not exist (yet).
	ReasonExecutionProfileNotFound = "ExecutionProfileNotFound"
)

// Access: routes, login and who may connect.
const (
	// LabelManager on a Workspace's route names the WorkspaceManager it
	// was made from.
	LabelManager = "workspace.jupyter.org/manager"

	// AnnotationAuthURL on a route is the forward-auth endpoint a proxy
	// must call before passing a request (http://<access Service>/_weir/auth).
	AnnotationAuthURL = "workspace.jupyter.org/auth-url"

	// AccessPathPrefix is where the access server's pages live under a
	// manager's base URL: login, callback, logout, auth.
	AccessPathPrefix = "/_weir/"

	// SubresourceConnection: RBAC "create" on workspaces/connection in a
	// namespace lets a user connect to its Workspaces at all (then the
	// access policy decides).
	SubresourceConnection = "connection"
	// VerbShare on workspaces lets a user other than the owner create or
	// change WorkspaceShares of a Workspace.
	VerbShare = "share"
	// VerbUse on workspaceexecutionprofiles lets a user name the profile
	// in a Workspace.
	VerbUse = "use"

	// ConditionRoutingReady (WorkspaceManager): the access route exists
	// and the Gateway or IngressClass it names is there.
	ConditionRoutingReady = "RoutingReady"
	// ConditionIdPReachable (WorkspaceManager): the issuer's discovery
	// document was read and the client secret found.
	ConditionIdPReachable = "IdPReachable"
	// ConditionReady (WorkspaceManager): routing and login both work.
	ConditionReady = "Ready"
)

// Lifecycle: idle shutdown and the desktop tunnel.
const (
	// ConditionIdleShutdown (Workspace) is True while Weir has stopped the
	// Workspace for idleness (reason IdleTimeout; the message says since
	// when and what was last seen), False when it watches an enabled
	// timeout (reason Active) and absent when idle shutdown is off.
	ConditionIdleShutdown = "IdleShutdown"
	// ReasonIdleTimeout (IdleShutdown=True): no activity for the timeout.
	ReasonIdleTimeout = "IdleTimeout"
	// ReasonActive (IdleShutdown=False): activity within the timeout.
	ReasonActive = "Active"

	// TunnelPath is the tunnel's WebSocket under a Workspace's URL.
	TunnelPath = "_weir/tunnel"
	// TunnelPortName is the Service and container port of the tunnel
	// sidecar.
	TunnelPortName = "weir-tunnel"
)

// ResourceGPU is the resource a template's resourceBounds.gpu bounds.
const ResourceGPU corev1.ResourceName = "nvidia.com/gpu"

// Weir's defaults for what neither a Workspace nor its template sets.
const (
	DefaultStorageSize   = "10Gi"
	DefaultMountPath     = "/home/jovyan"
	DefaultReclaimPolicy = ReclaimRetain
	DefaultOwnership     = OwnershipPublic
)
