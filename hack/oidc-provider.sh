#!/usr/bin/env bash
# Builds the test OpenID Connect provider (test/tools/oidc: zitadel/oidc's
# example provider with users, groups and clients from a JSON file) from the
# Go module proxy and caches it under bin/oidc-provider-<version>-<digest>;
# the digest covers the tool's own sources, so editing them rebuilds it and
# a second run otherwise costs nothing. Prints the binary's path on stdout;
# progress goes to stderr so OIDC=$(hack/oidc-provider.sh) works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/test/tools/oidc"
ZITADEL_OIDC_VERSION=v3.52.0 # must match test/tools/oidc/go.mod
digest=$(cat "$src"/*.go "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)
dir="$root/bin/oidc-provider-$ZITADEL_OIDC_VERSION-$digest"
if [ ! -x "$dir/oidc-provider" ]; then
  # Test helpers (test/realparts) set this: they report the missing tool
  # rather than start a build inside a test's timeout.
  if [ -n "${WEIR_TOOLS_NO_BUILD:-}" ]; then
    echo "oidc-provider is not built: run hack/oidc-provider.sh (or make tools)" >&2
    exit 1
  fi
  echo "building oidc-provider (zitadel/oidc $ZITADEL_OIDC_VERSION)" >&2
  mkdir -p "$dir"
  # GOFLAGS=-mod=mod so a caller's -mod=... cannot break this module's build;
  # .tmp + mv so an interrupted build never looks complete.
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" \
    -o "$dir/oidc-provider.tmp" .)
  mv "$dir/oidc-provider.tmp" "$dir/oidc-provider"
fi
echo "$dir/oidc-provider"
