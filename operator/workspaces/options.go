// Package workspaces reconciles Workspaces into the Deployment, Service and
// PersistentVolumeClaim of one IDE, and the HTTPRoute or Ingress the
// WorkspaceManager serving its namespace asks for; it guards WorkspaceTemplates in use with
// a lazy finalizer. What a Workspace inherits from its template, and whether
// it stays within the template's bounds, is decided by the policies
// (package weir.workspaces) with the same query the admission webhooks run;
// the builders here only turn that effective spec into objects.
package workspaces

import (
	"net/http"
	"strings"
	"time"
)

// Options are the operator-wide settings of every Workspace.
type Options struct {
	// URLBase is where Workspaces are served from, e.g.
	// https://ide.example.com; a Workspace's status.url is
	// <URLBase>/workspaces/<namespace>/<name>/. Empty: no route is known,
	// status.url stays empty.
	URLBase string
	// TunnelImage runs the tunnel's sidecar (`weir tunnel serve`) in the
	// pods of Workspaces with spec.tunnel: Weir's own image, the
	// manager's --image. Empty: no sidecar.
	TunnelImage string
	// Prober checks a Workspace's URL through its route before it is
	// Available; nil: the pod's readiness is enough.
	Prober RouteProber
	// ReprobeInterval is how often a route that served is probed again
	// (only Workspaces with a manager and a Prober are); 0: 60 s.
	ReprobeInterval time.Duration
	// Activity is when Weir's access server last let a user's request
	// through to a Workspace, one source of idle shutdown's last activity;
	// nil: none (Jupyter's own is read in any case).
	Activity Activity
	// IdleCheckInterval is how often a running Workspace's activity is
	// read when idle shutdown is on; 0: a quarter of its timeout, at most
	// a minute. Tests make it short.
	IdleCheckInterval time.Duration
	// HTTPClient reads a Workspace's activity from its Service (no
	// manager) or spec.idleShutdown.detection.httpGet; nil: a client with
	// a 5 s timeout.
	HTTPClient *http.Client
	// Now is idle shutdown's clock; nil: time.Now. Tests move it forward.
	Now func() time.Time
}

// URL is a Workspace's unique URL under URLBase, or "" without a base;
// used when no WorkspaceManager serves its namespace.
func (o Options) URL(namespace, name string) string {
	if o.URLBase == "" {
		return ""
	}
	return strings.TrimRight(o.URLBase, "/") + "/workspaces/" + namespace + "/" + name + "/"
}
