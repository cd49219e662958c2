#!/usr/bin/env bash
# Builds Caddy v2 (standard modules: reverse_proxy, forward_auth) from the Go
# module proxy, pinned by test/tools/caddy, and caches it under
# bin/caddy-<version>, so a second run costs nothing. Prints the binary's path
# on stdout; progress goes to stderr so CADDY=$(hack/caddy.sh) works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CADDY_VERSION=v2.11.9 # must match test/tools/caddy/go.mod
dir="$root/bin/caddy-$CADDY_VERSION"
if [ ! -x "$dir/caddy" ]; then
  # Test helpers (test/realparts) set this: they report the missing tool
  # rather than start a build inside a test's timeout.
  if [ -n "${WEIR_TOOLS_NO_BUILD:-}" ]; then
    echo "caddy is not built: run hack/caddy.sh (or make tools)" >&2
    exit 1
  fi
  echo "building caddy@$CADDY_VERSION" >&2
  mkdir -p "$dir"
  # GOFLAGS=-mod=mod so a caller's -mod=vendor/readonly cannot break the build
  # of this separate module; the .tmp + mv keeps an interrupted build from
  # leaving a binary that looks complete. Built through the tool module,
  # Caddy is its own main module and cannot find its version, hence the -X.
  (cd "$root/test/tools/caddy" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags="-s -w -X github.com/caddyserver/caddy/v2.CustomVersion=$CADDY_VERSION" \
    -o "$dir/caddy.tmp" github.com/caddyserver/caddy/v2/cmd/caddy)
  mv "$dir/caddy.tmp" "$dir/caddy"
fi
echo "$dir/caddy"
