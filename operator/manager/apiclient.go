package manager

import (
	"k8s.io/client-go/rest"
)

// clientConfig is the manager's view of restCfg: the caller's copy is
// left as it was.
//
// Responses are not compressed unless cfg.APICompression asks for it. The
// manager runs beside the API server (in the cluster, or on loopback for
// `make run`), where gzip costs CPU on both sides and saves no time: it
// was ~5 % of the manager's CPU on 1,000 new Workspaces, all of it in
// decompressing watch events (docs/performance.md, "Reconciling
// Workspaces"). kube-controller-manager and kube-scheduler turn it off for
// the same reason (kubernetes/kubernetes#80919).
func clientConfig(restCfg *rest.Config, cfg Config) *rest.Config {
	c := rest.CopyConfig(restCfg)
	c.DisableCompression = !cfg.APICompression
	return withWarningLog(c)
}
