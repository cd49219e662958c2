// Package workspacemanagers reconciles WorkspaceManagers: the public route
// to Weir's access server (login, callback, logout under <baseURL>/_weir/)
// and a status that says whether routing and the identity provider work.
// The routes of the Workspaces themselves are the workspaces package's.
package workspacemanagers

import (
	"net/http"
	"time"
)

// Defaults of Options.
const (
	DefaultIdPTimeout       = 5 * time.Second
	DefaultRecheckReachable = 10 * time.Minute
	DefaultRecheckFailing   = 60 * time.Second
)

// Options are the controller's settings.
type Options struct {
	// SecretNamespace is Weir's own namespace, where the Secrets named by
	// spec.authentication.oidc.clientSecretRef live (--access-secret's
	// namespace). Empty: a client secret is never found.
	SecretNamespace string
	// IdPTimeout bounds one discovery request; 0: DefaultIdPTimeout.
	IdPTimeout time.Duration
	// RecheckReachable is how often a reachable issuer is read again;
	// RecheckFailing how often an unreachable one (or a missing Secret,
	// Gateway or IngressClass) is. 0: the defaults.
	RecheckReachable, RecheckFailing time.Duration
	// HTTPClient reads discovery documents; nil: http.DefaultClient's
	// transport (the proxy settings of the environment).
	HTTPClient *http.Client
}

func (o Options) idpTimeout() time.Duration {
	if o.IdPTimeout > 0 {
		return o.IdPTimeout
	}
	return DefaultIdPTimeout
}

func (o Options) recheck(ok bool) time.Duration {
	if ok {
		if o.RecheckReachable > 0 {
			return o.RecheckReachable
		}
		return DefaultRecheckReachable
	}
	if o.RecheckFailing > 0 {
		return o.RecheckFailing
	}
	return DefaultRecheckFailing
}
