package webhooks

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// Hook is one of Weir's admission webhooks. Table is the only list of
// them: Setup registers its handlers from it, and `go run ./webhooks/gen`
// (make manifests) writes the kustomize, local and chart configurations
// from it, so a new kind is one entry here.
type Hook struct {
	// Name is the webhook's name in its configuration, shown by kubectl
	// in every refusal ("admission webhook %q denied the request").
	Name     string
	Path     string
	Mutating bool
	// GroupVersion and Resources are what the rule matches; only the main
	// resource, so status and subresource writes never wait on Weir.
	GroupVersion schema.GroupVersion
	Resources    []string
	Scope        admissionregistrationv1.ScopeType
	Operations   []admissionregistrationv1.OperationType
	// extras adds the kind's own checks to its PolicyHandler.
	extras func(h *PolicyHandler, d handlerDeps)
}

var (
	createUpdate       = []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	createUpdateDelete = []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete}
)

// Table lists every webhook: validating ones first, each configuration in
// this order. Workspaces are validated on DELETE too (an OwnerOnly
// Workspace may be deleted only by its owner); a mutating webhook cannot
// change a deletion, so it is not called for one. Deleting a
// WorkspaceShare is RBAC's alone: revoking access never waits on Weir.
var Table = []Hook{
	{
		Name: NameValidateRuns, Path: PathValidateRuns,
		GroupVersion: runsv1.GroupVersion, Resources: []string{"runs"}, Scope: admissionregistrationv1.NamespacedScope, Operations: createUpdate,
		extras: func(h *PolicyHandler, d handlerDeps) {
			h.Check = referenceAccess(d.client)
			h.Warn = missingReferences(d.apiReader)
		},
	},
	{
		Name: NameValidatePolicyBundles, Path: PathValidatePolicyBundles,
		GroupVersion: policiesv1.GroupVersion, Resources: []string{"policybundles"}, Scope: admissionregistrationv1.ClusterScope, Operations: createUpdate,
		extras: func(h *PolicyHandler, d handlerDeps) { h.Check = compileCheck(d.checkBundle) },
	},
	{
		Name: NameValidateWorkspaces, Path: PathValidateWorkspaces,
		GroupVersion: wsv1.GroupVersion, Resources: []string{"workspaces"}, Scope: admissionregistrationv1.NamespacedScope, Operations: createUpdateDelete,
		extras: permissions,
	},
	{
		Name: NameValidateWorkspaceTemplates, Path: PathValidateWorkspaceTemplates,
		GroupVersion: wsv1.GroupVersion, Resources: []string{"workspacetemplates"}, Scope: admissionregistrationv1.ClusterScope, Operations: createUpdate,
	},
	{
		Name: NameValidateWorkspaceShares, Path: PathValidateWorkspaceShares,
		GroupVersion: wsv1.GroupVersion, Resources: []string{"workspaceshares"}, Scope: admissionregistrationv1.NamespacedScope, Operations: createUpdate,
		extras: permissions,
	},
	{
		Name: NameMutateRuns, Path: PathMutateRuns, Mutating: true,
		GroupVersion: runsv1.GroupVersion, Resources: []string{"runs"}, Scope: admissionregistrationv1.NamespacedScope, Operations: createUpdate,
		extras: func(h *PolicyHandler, d handlerDeps) {
			malformed(h, d)
			h.Finalizer = runFinalizer
		},
	},
	{
		Name: NameMutateWorkspaces, Path: PathMutateWorkspaces, Mutating: true,
		GroupVersion: wsv1.GroupVersion, Resources: []string{"workspaces"}, Scope: admissionregistrationv1.NamespacedScope, Operations: createUpdate,
		extras: func(h *PolicyHandler, d handlerDeps) {
			malformed(h, d)
			h.Finalizer = workspaceFinalizer
		},
	},
	{
		Name: NameMutateWorkspaceTemplates, Path: PathMutateWorkspaceTemplates, Mutating: true,
		GroupVersion: wsv1.GroupVersion, Resources: []string{"workspacetemplates"}, Scope: admissionregistrationv1.ClusterScope, Operations: createUpdate,
		extras: malformed,
	},
	{
		// Stamps the share's owner reference to its Workspace.
		Name: NameMutateWorkspaceShares, Path: PathMutateWorkspaceShares, Mutating: true,
		GroupVersion: wsv1.GroupVersion, Resources: []string{"workspaceshares"}, Scope: admissionregistrationv1.NamespacedScope, Operations: createUpdate,
	},
}

// permissions gives the policies the requester's RBAC answers they need
// (workspace_access.go).
func permissions(h *PolicyHandler, d handlerDeps) { h.Permissions = workspacePermissions(d.client) }

// malformed lets a mutating webhook word the schema's refusal of a
// malformed quantity as the policies do (see PolicyHandler.Malformed).
func malformed(h *PolicyHandler, d handlerDeps) { h.Malformed = decodeCheck(d.scheme) }

// Settings every webhook shares (docs/webhooks.md, "Safe configuration").
const (
	// TimeoutSeconds: a decision takes about a millisecond; a stuck
	// webhook must not hold kubectl for the API server's 30 s default.
	TimeoutSeconds = 5
	// MatchConditionChangesWhatPoliciesRead lets through, unjudged, an
	// UPDATE that changes nothing the policies and Weir's checks read:
	// neither spec, labels, annotations nor (while the object lives)
	// ownerReferences; the name and namespace cannot change. That is the
	// controller adding or removing its finalizer, and managedFields-only
	// writes: half the admission reviews of a Run's life, and nothing to
	// judge or default. While the object is being deleted ownerReferences
	// do not count either, so that a bundle that errors cannot keep an
	// object, or its namespace, Terminating (the garbage collector edits
	// them then). The share policy reads ownerReferences (the access
	// server trusts the Workspace uid it stamps), hence the live case.
	// unjudged applies the same rule in the handler.
	MatchConditionChangesWhatPoliciesRead = "changes-what-policies-read"
	ChangesWhatPoliciesReadExpression     = `request.operation != 'UPDATE' || ` +
		`(has(object.spec) ? object.spec : {}) != (has(oldObject.spec) ? oldObject.spec : {}) || ` +
		`(has(object.metadata.labels) ? object.metadata.labels : {}) != (has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}) || ` +
		`(has(object.metadata.annotations) ? object.metadata.annotations : {}) != (has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}) || ` +
		`(!has(object.metadata.deletionTimestamp) && ` +
		`(has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) != (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : []))`
)

// Rules is the hook's one rule.
func (hook Hook) Rules() []admissionregistrationv1.RuleWithOperations {
	scope := hook.Scope
	return []admissionregistrationv1.RuleWithOperations{{
		Operations: hook.Operations,
		Rule: admissionregistrationv1.Rule{
			APIGroups:   []string{hook.GroupVersion.Group},
			APIVersions: []string{hook.GroupVersion.Version},
			Resources:   hook.Resources,
			Scope:       &scope,
		},
	}}
}
