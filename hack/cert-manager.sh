#!/usr/bin/env bash
# Builds cert-manager's controller, cainjector and webhook
# (test/tools/certmanager: small mains over cert-manager's packages, the
# webhook's over a copy of its internal/ in internal/cm, see doc.go) and
# copies its CRDs, caching them under bin/cert-manager-<version>-<digest>;
# the digest covers the tool's own sources (every .go file, go.mod, go.sum),
# so editing them rebuilds and a second run otherwise costs nothing. Prints
# that directory on stdout (controller, cainjector, webhook, crds/); progress
# goes to stderr so CERT_MANAGER=$(hack/cert-manager.sh) works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/test/tools/certmanager"
CERT_MANAGER_VERSION=v1.21.2 # must match test/tools/certmanager/go.mod
# Sorted paths so the digest does not depend on find's order.
digest=$( (cd "$src" && find . -name '*.go' | LC_ALL=C sort | xargs cat; cat go.mod go.sum) | sha256sum | cut -c1-12)
dir="$root/bin/cert-manager-$CERT_MANAGER_VERSION-$digest"
cmds="controller cainjector webhook"
missing=
for cmd in $cmds; do [ -x "$dir/$cmd" ] || missing=1; done
if [ -n "$missing" ] || [ ! -d "$dir/crds" ]; then
  # Test helpers set this: they report the missing tool rather than start a
  # build inside a test's timeout.
  if [ -n "${WEIR_TOOLS_NO_BUILD:-}" ]; then
    echo "cert-manager is not built: run hack/cert-manager.sh (or make tools)" >&2
    exit 1
  fi
  echo "building cert-manager $CERT_MANAGER_VERSION (controller, cainjector, webhook)" >&2
  mkdir -p "$dir"
  # GOFLAGS=-mod=mod so a caller's -mod=... cannot break this module's build;
  # .tmp + mv so an interrupted build never looks complete.
  for cmd in $cmds; do
    (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" \
      -o "$dir/$cmd.tmp" "./$cmd")
  done
  # The CRDs of the same release, from the module's deploy/crds.
  mod=$(cd "$src" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)
  rm -rf "$dir/crds.tmp" && mkdir "$dir/crds.tmp"
  cp "$mod"/deploy/crds/*.yaml "$dir/crds.tmp/"
  rm -f "$dir/crds.tmp/README.md"
  chmod -R u+w "$dir/crds.tmp"
  rm -rf "$dir/crds" && mv "$dir/crds.tmp" "$dir/crds"
  for cmd in $cmds; do mv "$dir/$cmd.tmp" "$dir/$cmd"; done
fi
echo "$dir"
