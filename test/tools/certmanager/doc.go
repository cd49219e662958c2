// Package certmanager builds cert-manager's controller and cainjector from
// the Go module proxy for test/e2e/certmanager (hack/cert-manager.sh).
//
// cert-manager's own mains (github.com/cert-manager/cert-manager/cmd/...)
// are separate modules the proxy does not serve, so controller/ and
// cainjector/ are small mains that wire the library packages of
// github.com/cert-manager/cert-manager (Apache-2.0, (c) The cert-manager
// Authors) the way its cmd/controller and cmd/cainjector do, with only what a
// self-signed or CA issuer needs: no ACME, Vault, Venafi, ingress or Gateway
// shims, no leader election, no metrics or health servers.
//
// The webhook is not built: its server and admission plugins live under
// cert-manager's internal/ (internal/webhook, internal/apis/.../validation),
// which another module cannot import. It only validates and defaults
// cert-manager's own resources, so the e2e does without it.
package certmanager
