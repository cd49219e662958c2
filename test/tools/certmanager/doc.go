// Package certmanager builds cert-manager's controller, cainjector and webhook
// from the Go module proxy for test/e2e/certmanager (hack/cert-manager.sh).
//
// cert-manager's own mains (github.com/cert-manager/cert-manager/cmd/...)
// are separate modules the proxy does not serve, so controller/, cainjector/
// and webhook/ are small mains that wire the library packages of
// github.com/cert-manager/cert-manager (Apache-2.0, (c) The cert-manager
// Authors) the way its cmd/controller, cmd/cainjector and cmd/webhook do,
// with only what a self-signed or CA issuer needs: no ACME, Vault, Venafi,
// ingress or Gateway shims, no leader election, no metrics servers (the
// webhook keeps its /healthz).
//
// The webhook's server and admission plugins live under cert-manager's
// internal/ (internal/webhook, internal/apis/.../validation), which another
// module cannot import: internal/cm holds a mechanical copy of them
// (internal/cm/copy.sh, README.md), and webhook/ runs that server.
package certmanager
