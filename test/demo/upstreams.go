package main

import (
	"net"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

// upstreams maps the Services the rendered Caddyfile names (in-cluster
// addresses nothing on this machine can reach: kwok runs no pod) to the
// local processes that stand in for them.
type upstreams struct {
	// access is Weir's access Service (login pages, forward-auth) and
	// accessAddr the local manager's access server.
	access     types.NamespacedName
	accessAddr string
	// ides: a Workspace's Service to the Jupyter standing in for its IDE.
	ides map[types.NamespacedName]string
	// stub answers for everything else (a Workspace whose Jupyter is not
	// up yet, a tunnel port): 502 with a line saying why.
	stub string
}

// upstream is operator/proxyconfig's RenderOptions.Upstream.
func (u upstreams) upstream(namespace, service string, port int32) string {
	svc := types.NamespacedName{Namespace: namespace, Name: service}
	if svc == u.access {
		return u.accessAddr
	}
	if addr, ok := u.ides[svc]; ok && port == workspaces.Port {
		return addr
	}
	return u.stub
}

// authUpstream is RenderOptions.AuthUpstream: the auth-url annotation's
// host:port (<service>.<namespace>.svc[.cluster.local]:<port>) to the local
// access server when it names the access Service. Anything else goes to
// the stub, whose 502 forward_auth takes as a refusal.
func (u upstreams) authUpstream(hostport string) string {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return u.stub
	}
	svc := u.access.Name + "." + u.access.Namespace + ".svc"
	if host == svc || host == svc+".cluster.local" {
		return u.accessAddr
	}
	return u.stub
}

// ide is a running Workspace's IDE as its route serves it.
type ide struct {
	// service is the Workspace's Service (the route's backend).
	service types.NamespacedName
	// base is the path the route serves it under, starting and ending in /
	// (Jupyter's base_url).
	base string
}

// wantedIDEs are the Workspaces that should have a Jupyter standing in for
// them: those meant to run (not stopped, not being deleted) whose route
// Weir has made, keyed by Workspace, with the route's path to their
// Service's IDE port as the base path.
func wantedIDEs(ingresses []networkingv1.Ingress, wss []wsv1.Workspace) map[types.NamespacedName]ide {
	running := map[types.NamespacedName]bool{}
	for _, ws := range wss {
		if ws.DeletionTimestamp == nil && ws.Spec.DesiredStatus != wsv1.DesiredStopped {
			running[types.NamespacedName{Namespace: ws.Namespace, Name: ws.Name}] = true
		}
	}
	out := map[types.NamespacedName]ide{}
	for _, ing := range ingresses {
		label, ok := ing.Labels[wsv1.LabelWorkspace]
		if !ok {
			continue
		}
		for key := range running {
			if key.Namespace != ing.Namespace || workspaces.WorkspaceLabelValue(key.Name) != label {
				continue
			}
			svc := workspaces.ServiceName(key.Name)
			if base, ok := idePath(ing, svc); ok {
				out[key] = ide{service: types.NamespacedName{Namespace: key.Namespace, Name: svc}, base: base}
			}
		}
	}
	return out
}

// idePath is the path of ing that goes to service's IDE port, with a
// trailing slash.
func idePath(ing networkingv1.Ingress, service string) (string, bool) {
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for _, p := range rule.HTTP.Paths {
			b := p.Backend.Service
			if b == nil || b.Name != service || b.Port.Number != workspaces.Port || !strings.HasPrefix(p.Path, "/") {
				continue
			}
			if !strings.HasSuffix(p.Path, "/") {
				return p.Path + "/", true
			}
			return p.Path, true
		}
	}
	return "", false
}
