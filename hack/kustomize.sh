#!/usr/bin/env bash
# Builds kustomize from the Go module proxy (the version kubectl of
# hack/control-plane.sh embeds) and caches it under bin/kustomize-<version>.
# Prints the binary's path on stdout, so KUSTOMIZE=$(hack/kustomize.sh) works.
# make install, deploy and build-installer use it (`kustomize edit set image`
# has no kubectl equivalent).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-v5.8.1}
dir="$root/bin/kustomize-$KUSTOMIZE_VERSION"
if [ ! -x "$dir/kustomize" ]; then
  echo "installing kustomize@$KUSTOMIZE_VERSION" >&2
  mkdir -p "$dir"
  # GOFLAGS cleared so a caller's -mod=... cannot break the module-mode install.
  GOFLAGS= GOBIN="$dir" CGO_ENABLED=0 go install -trimpath -ldflags="-s -w" \
    "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi
echo "$dir/kustomize"
