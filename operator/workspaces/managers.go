package workspaces

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspacemanagers,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// ManagerFor is the WorkspaceManager that serves a namespace with the
// given labels: of those whose namespaceSelector matches (unset: every
// namespace), the oldest, then the first by name, so every reader (the
// controller, the access server) picks the same one. Managers being
// deleted and selectors that do not parse serve nothing. nil: none.
func ManagerFor(managers []wsv1.WorkspaceManager, nsLabels map[string]string) *wsv1.WorkspaceManager {
	var best *wsv1.WorkspaceManager
	for i := range managers {
		m := &managers[i]
		if !m.DeletionTimestamp.IsZero() || !selects(m, nsLabels) {
			continue
		}
		if best == nil || older(m, best) {
			best = m
		}
	}
	return best
}

func selects(m *wsv1.WorkspaceManager, nsLabels map[string]string) bool {
	if m.Spec.NamespaceSelector == nil {
		return true
	}
	sel, err := metav1.LabelSelectorAsSelector(m.Spec.NamespaceSelector)
	return err == nil && sel.Matches(labels.Set(nsLabels))
}

func older(a, b *wsv1.WorkspaceManager) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// WorkspaceURL is a Workspace's unique URL under a manager: Path,
// <baseURL>/workspaces/<namespace>/<name>/; Subdomain,
// <scheme>://<name>--<namespace>.<host>[:port]/ (the base path is not
// used). access.ParseWorkspacePath is its inverse.
func WorkspaceURL(m *wsv1.WorkspaceManager, namespace, name string) string {
	if m.Spec.URLScheme == wsv1.URLSchemeSubdomain {
		u, err := url.Parse(m.Spec.BaseURL)
		if err != nil {
			return ""
		}
		return u.Scheme + "://" + SubdomainLabel(namespace, name) + "." + u.Host + "/"
	}
	return strings.TrimRight(m.Spec.BaseURL, "/") + "/workspaces/" + namespace + "/" + name + "/"
}

// SubdomainLabel is the first host label of a Workspace under the
// Subdomain scheme.
func SubdomainLabel(namespace, name string) string { return name + "--" + namespace }

// routeTarget is where a Workspace's route matches requests: the host
// ("" when the base host is an IP address, which neither an HTTPRoute's
// hostnames nor an Ingress rule's host may be: every host then) and the
// path prefix, ending in "/".
type routeTarget struct {
	host, path string
	// tlsHost is the host a certificate must name.
	tlsHost string
}

// targetOf is where a Workspace is served under m, or an error naming
// what keeps it from having a URL there.
func targetOf(m *wsv1.WorkspaceManager, namespace, name string) (routeTarget, error) {
	u, err := url.Parse(m.Spec.BaseURL)
	if err != nil || u.Host == "" {
		return routeTarget{}, fmt.Errorf("WorkspaceManager %s: spec.baseURL %q is not an absolute URL", m.Name, m.Spec.BaseURL)
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		host = ""
	}
	if m.Spec.URLScheme == wsv1.URLSchemeSubdomain {
		label := SubdomainLabel(namespace, name)
		if strings.Contains(namespace, "--") {
			// The label is read back by its last "--": a namespace with
			// one would be another Workspace's host ("a--x" in y and "a"
			// in x--y).
			return routeTarget{}, fmt.Errorf("WorkspaceManager %s uses urlScheme Subdomain, which cannot serve namespace %s: "+
				"a namespace name with \"--\" makes host names of two Workspaces the same; use urlScheme Path, or another namespace", m.Name, namespace)
		}
		if errs := validation.IsDNS1123Label(label); len(errs) > 0 {
			return routeTarget{}, fmt.Errorf("WorkspaceManager %s uses urlScheme Subdomain, and %q cannot be a host name label (%s); "+
				"use a Workspace name without dots, with name and namespace together at most %d characters, or urlScheme Path",
				m.Name, label, strings.Join(errs, "; "), validation.DNS1123LabelMaxLength-2)
		}
		if host == "" {
			return routeTarget{}, fmt.Errorf("WorkspaceManager %s uses urlScheme Subdomain, which needs a host name in spec.baseURL, not the address %s",
				m.Name, u.Hostname())
		}
		h := label + "." + host
		return routeTarget{host: h, tlsHost: h, path: "/"}, nil
	}
	return routeTarget{host: host, tlsHost: host,
		path: strings.TrimRight(u.Path, "/") + "/workspaces/" + namespace + "/" + name + "/"}, nil
}

// managerOf is the manager serving a namespace, from the cache: its
// labels by a metadata-only read, as the policies see them.
func (r *Reconciler) managerOf(ctx context.Context, namespace string) (*wsv1.WorkspaceManager, error) {
	list := &wsv1.WorkspaceManagerList{}
	if err := r.List(ctx, list); err != nil {
		return nil, fmt.Errorf("list WorkspaceManagers: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, nil
	}
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := r.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("namespace %s: %w", namespace, err)
	}
	return ManagerFor(list.Items, ns.Labels), nil
}

// managerChanged queues the Workspaces a manager serves now or served
// before (their status.route names it): on create, delete and any change
// of spec, so routes and URLs follow baseURL, urlScheme, routing and the
// namespaceSelector.
func (r *Reconciler) managerChanged() handler.EventHandler {
	queue := func(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request], objs ...client.Object) {
		list := &wsv1.WorkspaceList{}
		if err := r.List(ctx, list); err != nil {
			mgrLog(ctx).Error(err, "listing Workspaces for a WorkspaceManager change")
			return
		}
		selected := map[string]bool{}
		nsLabels := map[string]map[string]string{}
		for i := range list.Items {
			ws := &list.Items[i]
			mine := false
			for _, o := range objs {
				m := o.(*wsv1.WorkspaceManager)
				if rt := ws.Status.Route; rt != nil && rt.Manager == m.Name {
					mine = true
					break
				}
				key := ws.Namespace + "\x00" + m.Name
				sel, ok := selected[key]
				if !ok {
					l, seen := nsLabels[ws.Namespace]
					if !seen {
						l = r.namespaceLabels(ctx, ws.Namespace)
						nsLabels[ws.Namespace] = l
					}
					sel = selects(m, l)
					selected[key] = sel
				}
				if sel {
					mine = true
					break
				}
			}
			if mine {
				q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(ws)})
			}
		}
	}
	return handler.TypedFuncs[client.Object, reconcile.Request]{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			queue(ctx, q, e.Object)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			old, now := e.ObjectOld.(*wsv1.WorkspaceManager), e.ObjectNew.(*wsv1.WorkspaceManager)
			if old.Generation == now.Generation && old.DeletionTimestamp.Equal(now.DeletionTimestamp) {
				return // a status write
			}
			queue(ctx, q, e.ObjectOld, e.ObjectNew)
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			queue(ctx, q, e.Object)
		},
	}
}

// namespaceLabels are a namespace's labels from the cache; nil when it
// cannot be read (its Workspaces are then queued only by their route).
func (r *Reconciler) namespaceLabels(ctx context.Context, namespace string) map[string]string {
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := r.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return nil
	}
	return ns.Labels
}

// workspacesInNamespace queues a namespace's Workspaces: its labels
// changed, so another manager may serve it.
func (r *Reconciler) workspacesInNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	list := &wsv1.WorkspaceList{}
	if err := r.List(ctx, list, client.InNamespace(o.GetName())); err != nil {
		mgrLog(ctx).Error(err, "listing the Workspaces of a namespace", "namespace", o.GetName())
		return nil
	}
	return requestsFor(list.Items)
}

func requestsFor(items []wsv1.Workspace) []reconcile.Request {
	reqs := make([]reconcile.Request, len(items))
	for i := range items {
		reqs[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&items[i])}
	}
	return reqs
}
