package access

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// The access server reads Workspaces, their shares and managers from the
// cache, and asks the API server whether a user may connect.
// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaces;workspaceshares;workspacemanagers;workspacetemplates,verbs=get;list;watch
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// ShareWorkspaceIndex indexes WorkspaceShares by "<namespace>/<spec.workspaceName>".
const ShareWorkspaceIndex = "access.workspaceShare.workspace"

// KubeReader reads the access server's state from a controller-runtime
// cache, and keeps per-Workspace revisions from its informers' events.
type KubeReader struct {
	c cache.Cache

	managersRev atomic.Uint64

	mu   sync.RWMutex
	revs map[string]uint64 // "<ns>/<name>"; never removed, so a revision is never reused
	next uint64
}

// NewKubeReader registers the share index and the event handlers on c;
// call it before c starts.
func NewKubeReader(ctx context.Context, c cache.Cache) (*KubeReader, error) {
	r := &KubeReader{c: c, revs: map[string]uint64{}}
	if err := c.IndexField(ctx, &wsv1.WorkspaceShare{}, ShareWorkspaceIndex, func(o client.Object) []string {
		s := o.(*wsv1.WorkspaceShare)
		return []string{s.Namespace + "/" + s.Spec.WorkspaceName}
	}); err != nil {
		return nil, fmt.Errorf("index WorkspaceShares by Workspace: %w", err)
	}
	wsInf, err := c.GetInformer(ctx, &wsv1.Workspace{})
	if err != nil {
		return nil, err
	}
	if _, err := wsInf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(o any) { r.bumpObject(o) },
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(*wsv1.Workspace)
			n, ok2 := cur.(*wsv1.Workspace)
			if ok1 && ok2 && !workspaceChanged(o, n) {
				return
			}
			r.bumpObject(cur)
		},
		DeleteFunc: func(o any) { r.bumpObject(o) },
	}); err != nil {
		return nil, err
	}
	shInf, err := c.GetInformer(ctx, &wsv1.WorkspaceShare{})
	if err != nil {
		return nil, err
	}
	if _, err := shInf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { r.bumpShare(o) },
		UpdateFunc: func(old, cur any) { r.bumpShare(old); r.bumpShare(cur) },
		DeleteFunc: func(o any) { r.bumpShare(o) },
	}); err != nil {
		return nil, err
	}
	mInf, err := c.GetInformer(ctx, &wsv1.WorkspaceManager{})
	if err != nil {
		return nil, err
	}
	bumpManagers := func(any) { r.managersRev.Add(1) }
	if _, err := mInf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: bumpManagers, UpdateFunc: func(_, o any) { bumpManagers(o) }, DeleteFunc: bumpManagers,
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// workspaceChanged: what a decision reads changed (not just status).
func workspaceChanged(o, n *wsv1.Workspace) bool {
	return o.UID != n.UID || o.Generation != n.Generation ||
		o.Annotations[wsv1.AnnotationCreatedBy] != n.Annotations[wsv1.AnnotationCreatedBy] ||
		routeManager(o) != routeManager(n)
}

func routeManager(w *wsv1.Workspace) string {
	if w.Status.Route == nil {
		return ""
	}
	return w.Status.Route.Manager
}

func unwrap(o any) any {
	if d, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
		return d.Obj
	}
	return o
}

func (r *KubeReader) bumpObject(o any) {
	if w, ok := unwrap(o).(*wsv1.Workspace); ok {
		r.bump(w.Namespace, w.Name)
	}
}

func (r *KubeReader) bumpShare(o any) {
	if s, ok := unwrap(o).(*wsv1.WorkspaceShare); ok {
		r.bump(s.Namespace, s.Spec.WorkspaceName)
	}
}

func (r *KubeReader) bump(namespace, name string) {
	r.mu.Lock()
	r.next++
	r.revs[namespace+"/"+name] = r.next
	r.mu.Unlock()
}

// Revision implements Reader.
func (r *KubeReader) Revision(namespace, name string) uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.revs[namespace+"/"+name]
}

// ManagersRevision implements Reader.
func (r *KubeReader) ManagersRevision() uint64 { return r.managersRev.Load() }

// Managers implements Reader.
func (r *KubeReader) Managers() ([]wsv1.WorkspaceManager, error) {
	l := &wsv1.WorkspaceManagerList{}
	if err := r.c.List(context.Background(), l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// Workspace implements Reader.
func (r *KubeReader) Workspace(ctx context.Context, namespace, name string) (*wsv1.Workspace, error) {
	w := &wsv1.Workspace{}
	if err := r.c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, w); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return w, nil
}

// Template implements Reader.
func (r *KubeReader) Template(ctx context.Context, name string) (*wsv1.WorkspaceTemplate, error) {
	t := &wsv1.WorkspaceTemplate{}
	if err := r.c.Get(ctx, types.NamespacedName{Name: name}, t); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return t, nil
}

// Shares implements Reader.
func (r *KubeReader) Shares(ctx context.Context, namespace, name string) ([]wsv1.WorkspaceShare, error) {
	l := &wsv1.WorkspaceShareList{}
	if err := r.c.List(ctx, l, client.InNamespace(namespace), client.MatchingFields{ShareWorkspaceIndex: namespace + "/" + name}); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// KubeAuthorizer asks the API server with SubjectAccessReviews.
type KubeAuthorizer struct{ Client client.Client }

// MayConnect implements Authorizer: create on workspaces/connection of the
// Workspace, as the user with their groups and system:authenticated (which
// kube-apiserver gives every authenticated user).
func (a KubeAuthorizer) MayConnect(ctx context.Context, user string, groups []string, namespace, name string) (bool, error) {
	g := slices.Clone(groups)
	if !slices.Contains(g, "system:authenticated") {
		g = append(g, "system:authenticated")
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user, Groups: g,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: namespace, Name: name, Verb: "create",
			Group: wsv1.GroupVersion.Group, Resource: "workspaces", Subresource: wsv1.SubresourceConnection,
		},
	}}
	if err := a.Client.Create(ctx, sar); err != nil {
		return false, err
	}
	return sar.Status.Allowed, nil
}
