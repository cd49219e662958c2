package access

import (
	"context"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// Reader is the cluster state the access server decides from, read from
// informers: never an API call on the request path.
type Reader interface {
	// ManagersRevision changes whenever a WorkspaceManager does, so the
	// server parses Managers again only then.
	ManagersRevision() uint64
	Managers() ([]wsv1.WorkspaceManager, error)
	// Workspace is nil (and no error) when it does not exist.
	Workspace(ctx context.Context, namespace, name string) (*wsv1.Workspace, error)
	// Template is nil (and no error) when it does not exist.
	Template(ctx context.Context, name string) (*wsv1.WorkspaceTemplate, error)
	// Shares are the WorkspaceShares whose spec.workspaceName is name.
	Shares(ctx context.Context, namespace, name string) ([]wsv1.WorkspaceShare, error)
	// Revision changes whenever the Workspace namespace/name, or one of
	// its shares, is added, changed or deleted (as the informers see it).
	// Cached decisions are keyed by it, so such a change invalidates them.
	Revision(namespace, name string) uint64
}

// Authorizer is the RBAC fence: may user (in groups) connect to the
// Workspace namespace/name, i.e. create workspaces/connection there?
type Authorizer interface {
	MayConnect(ctx context.Context, user string, groups []string, namespace, name string) (bool, error)
}

// Policy decides with package weir.access (the policy engine).
type Policy interface {
	DecideAccess(ctx context.Context, in engine.AccessInput) (engine.AccessDecision, error)
	Current() (engine.Revision, bool)
}
