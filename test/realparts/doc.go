// Package realparts starts the real programs Weir's browser and access tests
// run against, each on loopback with free ports and private directories:
// an OpenID Connect provider (test/tools/oidc, built by hack/oidc-provider.sh),
// Caddy as the reverse proxy with forward_auth (hack/caddy.sh), Debian's
// jupyter-notebook 6.4 and headless Chromium driven by chromedp.
//
// Every Start function stops what it started in t.Cleanup. Nothing here
// builds a tool: a missing one fails the test naming the hack/ script that
// builds it (or set WEIR_CADDY / WEIR_OIDC_PROVIDER to a binary).
package realparts
