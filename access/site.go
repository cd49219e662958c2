package access

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// site is a WorkspaceManager's base URL taken apart once, for matching
// requests to it.
type site struct {
	m         *wsv1.WorkspaceManager
	scheme    string // http or https
	host      string // lower case, without the scheme's default port
	basePath  string // without the trailing slash; "" at the root
	subdomain bool
}

func newSite(m *wsv1.WorkspaceManager) (*site, error) {
	u, err := url.Parse(m.Spec.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("WorkspaceManager %s: spec.baseURL %q is not an absolute http(s) URL", m.Name, m.Spec.BaseURL)
	}
	return &site{
		m:         m,
		scheme:    u.Scheme,
		host:      normalHost(u.Scheme, u.Host),
		basePath:  strings.TrimRight(u.Path, "/"),
		subdomain: m.Spec.URLScheme == wsv1.URLSchemeSubdomain,
	}, nil
}

// base is the manager's base URL without a trailing slash.
func (s *site) base() string { return s.scheme + "://" + s.host + s.basePath }

// pages is where the login, callback and logout pages live.
func (s *site) pages() string { return s.basePath + wsv1.AccessPathPrefix }

func (s *site) secure() bool { return s.scheme == "https" }

// normalHost lower-cases host and drops the scheme's default port, so
// example.com, EXAMPLE.com:443 and example.com:443 are one host.
func normalHost(scheme, host string) string {
	host = strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			return h
		}
	}
	return host
}

// ParseWorkspacePath finds the Workspace a request for host and path
// (decoded, as url.URL.Path) is addressed to under manager m: the inverse
// of workspaces.WorkspaceURL. Path scheme: <basePath>/workspaces/<ns>/<name>
// on the base host; Subdomain scheme: host <name>--<ns>.<base host>. It
// refuses "." and ".." segments and anything but DNS labels, so the
// Workspace decided on is the one the proxy routes to.
func ParseWorkspacePath(m *wsv1.WorkspaceManager, host, path string) (namespace, name string, ok bool) {
	s, err := newSite(m)
	if err != nil {
		return "", "", false
	}
	return s.workspace(normalHost(s.scheme, host), path)
}

// workspace is ParseWorkspacePath for a host already normalised.
func (s *site) workspace(host, path string) (namespace, name string, ok bool) {
	if !cleanPath(path) {
		return "", "", false
	}
	if s.subdomain {
		label, found := strings.CutSuffix(host, "."+s.host)
		if !found || strings.Contains(label, ".") {
			return "", "", false
		}
		i := strings.LastIndex(label, "--")
		if i <= 0 {
			return "", "", false
		}
		name, namespace = label[:i], label[i+2:]
	} else {
		if host != s.host {
			return "", "", false
		}
		rest, found := strings.CutPrefix(path, s.basePath+"/workspaces/")
		if !found {
			return "", "", false
		}
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) < 2 {
			return "", "", false
		}
		namespace, name = parts[0], parts[1]
	}
	if len(validation.IsDNS1123Label(namespace)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return "", "", false
	}
	return namespace, name, true
}

// workspacePath is the path prefix a Workspace is served under: where a
// probe token is good.
func (s *site) workspacePath(namespace, name string) string {
	if s.subdomain {
		return "/"
	}
	return s.basePath + "/workspaces/" + namespace + "/" + name + "/"
}

// cleanPath refuses paths a proxy might route differently from how they
// read: dot segments, empty ones in the middle and backslashes.
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.Contains(p, "//")
}

// sites are the managers' sites; match finds the one serving host and
// path: the longest base path on that host wins.
type sites []*site

func (ss sites) match(host, path string, under func(*site) string, workspaceHosts bool) *site {
	var best *site
	for _, s := range ss {
		if s.host != host && (!workspaceHosts || !s.subdomain || !strings.HasSuffix(host, "."+s.host)) {
			continue
		}
		if s.host != host {
			// Workspace hosts of a Subdomain manager: the whole host is theirs.
			if best == nil {
				best = s
			}
			continue
		}
		if p := under(s); strings.HasPrefix(path, p) || path+"/" == p {
			if best == nil || len(s.basePath) > len(best.basePath) {
				best = s
			}
		}
	}
	return best
}

// forWorkspace matches a forwarded request to the manager whose Workspace
// URLs it falls under.
func (ss sites) forWorkspace(host, path string) *site {
	return ss.match(host, path, func(s *site) string { return s.basePath + "/workspaces/" }, true)
}

// forPages matches a request for the login pages.
func (ss sites) forPages(host, path string) *site {
	return ss.match(host, path, func(s *site) string { return s.pages() }, false)
}
