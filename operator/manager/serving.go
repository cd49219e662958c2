package manager

import (
	"crypto/tls"
	"fmt"
	"net"

	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// The metrics endpoint checks each scraper's bearer token (TokenReview) and
// that it may get /metrics (SubjectAccessReview).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// disableHTTP2 makes a TLS server offer HTTP/1.1 only: HTTP/2's stream
// handling has had denial-of-service flaws (CVE-2023-44487, rapid reset)
// that a webhook or metrics endpoint gains nothing by being exposed to.
func disableHTTP2(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }

// metricsOptions serves metrics over HTTPS, to clients whose token the API
// server authenticates and authorizes for GET /metrics, unless insecure is
// asked for, which only a loopback address may be (make run, benchmarks).
func metricsOptions(cfg Config) (metricsserver.Options, error) {
	o := metricsserver.Options{BindAddress: cfg.MetricsBindAddress, TLSOpts: []func(*tls.Config){disableHTTP2}}
	if !cfg.MetricsInsecure {
		o.SecureServing = true
		o.FilterProvider = filters.WithAuthenticationAndAuthorization
		return o, nil
	}
	if a := cfg.MetricsBindAddress; a != "0" && !isLoopback(a) {
		return o, fmt.Errorf("--metrics-secure=false serves metrics to anyone who connects: "+
			"allowed only on a loopback address (e.g. --metrics-bind-address=127.0.0.1:8080), not %q", a)
	}
	return o, nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// webhookServer serves the admission webhooks over HTTP/1.1 only.
func webhookServer(w WebhookConfig) webhook.Server {
	return webhook.NewServer(webhook.Options{
		Host: w.Host, Port: w.Port, CertDir: w.CertDir,
		TLSOpts: []func(*tls.Config){disableHTTP2},
	})
}
