// Package workspaces reconciles Workspaces into the Deployment, Service and
// PersistentVolumeClaim of one IDE, and guards WorkspaceTemplates in use with
// a lazy finalizer. What a Workspace inherits from its template, and whether
// it stays within the template's bounds, is decided by the policies
// (package weir.workspaces) with the same query the admission webhooks run;
// the builders here only turn that effective spec into objects.
package workspaces

import "strings"

// Options are the operator-wide settings of every Workspace.
type Options struct {
	// URLBase is where Workspaces are served from, e.g.
	// https://ide.example.com; a Workspace's status.url is
	// <URLBase>/workspaces/<namespace>/<name>/. Empty: no route is known,
	// status.url stays empty.
	URLBase string
}

// URL is a Workspace's unique URL, or "" without a base.
func (o Options) URL(namespace, name string) string {
	if o.URLBase == "" {
		return ""
	}
	return strings.TrimRight(o.URLBase, "/") + "/workspaces/" + namespace + "/" + name + "/"
}
