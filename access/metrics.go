package access

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Results of a forward-auth request, the label of decisionsTotal.
const (
	resultAllow           = "allow"
	resultDeny            = "deny"        // the policy said no
	resultForbidden       = "rbac_denied" // the RBAC fence said no
	resultLogin           = "login"       // no session: redirected to log in
	resultUnauthenticated = "unauthenticated"
	resultNotFound        = "not_found"
	resultProbe           = "probe"
	resultBadRequest      = "bad_request"
	resultError           = "error"
)

var (
	decisionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_access_decisions_total",
		Help: "Forward-auth requests answered, by result (allow, deny, rbac_denied, login, unauthenticated, not_found, probe, bad_request, error).",
	}, []string{"result"})
	cacheLookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_access_cache_lookups_total",
		Help: "Lookups in the access server's caches (decision: the policy's verdict; rbac: SubjectAccessReviews), by hit or miss.",
	}, []string{"cache", "result"})
	authDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "weir_access_auth_duration_seconds",
		Help:    "Time to answer a forward-auth request.",
		Buckets: []float64{25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1},
	})
	loginsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_access_logins_total",
		Help: "Logins finished at the callback, by result (ok, error).",
	}, []string{"result"})

	decisionHits   = cacheLookups.WithLabelValues("decision", "hit")
	decisionMisses = cacheLookups.WithLabelValues("decision", "miss")
	rbacHits       = cacheLookups.WithLabelValues("rbac", "hit")
	rbacMisses     = cacheLookups.WithLabelValues("rbac", "miss")
)

func init() {
	ctrlmetrics.Registry.MustRegister(decisionsTotal, cacheLookups, authDuration, loginsTotal)
}
