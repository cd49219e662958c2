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

// TB is what the starters need of a test: testing.TB satisfies it, and so
// can a program that runs the parts outside `go test` (make demo).
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Failed() bool
	Logf(format string, args ...any)
	Name() string
	TempDir() string
}
