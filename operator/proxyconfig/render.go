// Package proxyconfig renders the Caddyfile of the proxy the guided install
// runs: the routes of every Ingress whose IngressClass's controller is
// ControllerName, as one file in a ConfigMap that Caddy watches. Weir's
// Workspace routes (with the auth-url annotation) go through forward-auth
// to the access server first; its access routes (login pages) do not.
package proxyconfig

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/weir-dev/weir/access"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// ControllerName is the spec.controller of the IngressClasses whose
// Ingresses Weir renders.
const ControllerName = "weir.dev/caddy"

// Defaults of RenderOptions.
const (
	// DefaultPort: unprivileged, so Caddy runs as non-root without
	// NET_BIND_SERVICE; the proxy's Service maps 80 to it.
	DefaultPort = 8080
	// DefaultAdmin: the admin API on the pod's loopback only (--watch
	// reloads without it, but `caddy reload` and metrics want it).
	DefaultAdmin = "localhost:2019"
)

// authHeaders are what the access server's 2xx answer sets and the proxy
// copies onto the request; a client's own copies are removed first, on
// every route, so no upstream ever trusts a forged one.
var authHeaders = []string{access.HeaderUser, access.HeaderGroups}

// RenderOptions shape the Caddyfile. The zero value is the in-cluster one.
type RenderOptions struct {
	// Port every site listens on, plain HTTP; 0: DefaultPort.
	Port int
	// Admin is the admin endpoint ("off" turns it off); "": DefaultAdmin.
	Admin string
	// Bind, when set, is the one address sites listen on (tests: 127.0.0.1).
	Bind string
	// Upstream is the host:port of a Service's port; nil: ClusterUpstream.
	// Tests map Services to loopback servers with it.
	Upstream func(namespace, service string, port int32) string
	// AuthUpstream maps the auth-url annotation's host:port; nil: as is.
	AuthUpstream func(hostport string) string
	// NamedPort resolves a backend's port name to its number (the
	// Service's port of that name); nil: named ports are skipped.
	NamedPort func(namespace, service, name string) (int32, error)
}

// ClusterUpstream is a Service port's in-cluster address.
func ClusterUpstream(namespace, service string, port int32) string {
	return service + "." + namespace + ".svc.cluster.local:" + strconv.Itoa(int(port))
}

// Problem is an Ingress (or one of its paths) left out of the Caddyfile.
type Problem struct {
	Namespace, Name string
	Message         string
	// Retry: it may render later without a change to the Ingress (its
	// Service is not there yet).
	Retry bool
}

func (p Problem) String() string { return p.Namespace + "/" + p.Name + ": " + p.Message }

// route is one path of one host, after conflicts are settled.
type route struct {
	host     string
	path     string // as the Ingress says it
	exact    bool
	upstream string
	auth     *authTarget
	from     string // namespace/name of the Ingress, for the comment
}

type authTarget struct {
	upstream string // forward_auth's upstream: [https://]host:port
	uri      string
}

// Render is the Caddyfile for ingresses (already limited to Weir's
// classes), and the Ingresses or paths it left out. Where two Ingresses
// claim the same host, path and type, the older one wins, as ingress
// controllers do. An Ingress whose auth-url annotation cannot be used is
// left out whole: a Workspace is never routed without its forward-auth.
func Render(ingresses []networkingv1.Ingress, o RenderOptions) (string, []Problem) {
	ings := append([]networkingv1.Ingress(nil), ingresses...)
	sort.SliceStable(ings, func(i, j int) bool {
		a, b := &ings[i], &ings[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	var problems []Problem
	type key struct {
		host, path string
		exact      bool
	}
	taken := map[key]string{}
	var routes []route
	for i := range ings {
		ing := &ings[i]
		from := ing.Namespace + "/" + ing.Name
		bad := func(retry bool, format string, args ...any) {
			problems = append(problems, Problem{Namespace: ing.Namespace, Name: ing.Name, Message: fmt.Sprintf(format, args...), Retry: retry})
		}
		var auth *authTarget
		if raw, ok := ing.Annotations[wsv1.AnnotationAuthURL]; ok {
			a, err := parseAuthURL(raw, o)
			if err != nil {
				bad(false, "annotation %s: %v; the Ingress is not routed", wsv1.AnnotationAuthURL, err)
				continue
			}
			auth = a
		}
		var mine []route
		add := func(host, path string, exact bool, b *networkingv1.IngressBackend) {
			up, retry, err := upstreamOf(ing.Namespace, b, o)
			if err != nil {
				bad(retry, "path %q: %v", path, err)
				return
			}
			mine = append(mine, route{host: host, path: path, exact: exact, upstream: up, auth: auth, from: from})
		}
		if b := ing.Spec.DefaultBackend; b != nil {
			add("", "/", false, b)
		}
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			if !safeHost(rule.Host) {
				bad(false, "host %q cannot be routed", rule.Host)
				continue
			}
			for _, p := range rule.HTTP.Paths {
				path := p.Path
				if path == "" {
					path = "/"
				}
				if !safePath(path) {
					bad(false, "path %q: only paths starting with / and made of letters, digits and -._~%%+@:/ are routed", path)
					continue
				}
				exact := p.PathType != nil && *p.PathType == networkingv1.PathTypeExact
				add(rule.Host, path, exact, &p.Backend)
			}
		}
		for _, r := range mine {
			k := key{r.host, normalPath(r.path, r.exact), r.exact}
			if owner, dup := taken[k]; dup {
				bad(false, "host %q path %q is already routed by the older Ingress %s", r.host, r.path, owner)
				continue
			}
			taken[k] = from
			routes = append(routes, r)
		}
	}
	return caddyfile(routes, o), problems
}

// parseAuthURL turns the auth-url annotation (http://<access Service>:<port>/_weir/auth)
// into forward_auth's upstream and uri.
func parseAuthURL(raw string, o RenderOptions) (*authTarget, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Port() == "" {
		return nil, fmt.Errorf("%q is not an http(s)://host:port/path URL", raw)
	}
	if !safePath(u.Path) || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q: want a plain path such as /_weir/auth, without query or credentials", raw)
	}
	if !safeHost(u.Hostname()) {
		return nil, fmt.Errorf("%q: host cannot be used", raw)
	}
	hp := u.Host
	if o.AuthUpstream != nil {
		hp = o.AuthUpstream(hp)
	}
	if u.Scheme == "https" {
		hp = "https://" + hp
	}
	return &authTarget{upstream: hp, uri: u.Path}, nil
}

// upstreamOf is a backend's host:port; retry says the error may go away
// by itself (the Service or its port is not there yet).
func upstreamOf(namespace string, b *networkingv1.IngressBackend, o RenderOptions) (string, bool, error) {
	if b.Service == nil {
		return "", false, fmt.Errorf("only Service backends are routed")
	}
	port := b.Service.Port.Number
	if name := b.Service.Port.Name; name != "" {
		if o.NamedPort == nil {
			return "", false, fmt.Errorf("port name %q cannot be resolved here; give the port number", name)
		}
		n, err := o.NamedPort(namespace, b.Service.Name, name)
		if err != nil {
			return "", true, fmt.Errorf("the Service %s port %q: %w", b.Service.Name, name, err)
		}
		port = n
	}
	if port <= 0 {
		return "", false, fmt.Errorf("the Service %s has no port", b.Service.Name)
	}
	up := ClusterUpstream
	if o.Upstream != nil {
		up = o.Upstream
	}
	return up(namespace, b.Service.Name, port), false, nil
}

// normalPath is the path a Prefix match is keyed by: "/a/" and "/a" match
// the same requests.
func normalPath(p string, exact bool) string {
	if exact {
		return p
	}
	if t := strings.TrimRight(p, "/"); t != "" {
		return t
	}
	return "/"
}

// safePath keeps Caddyfile syntax and placeholders ({...}) out of paths.
func safePath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	for _, c := range p {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("-._~%+@:/", c):
		default:
			return false
		}
	}
	return true
}

// safeHost: a DNS name, possibly with a leading wildcard, or none.
func safeHost(h string) bool {
	for i, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.':
		case c == '*' && i == 0:
		default:
			return false
		}
	}
	return true
}
