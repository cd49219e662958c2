#!/usr/bin/env bash
# Builds helm v3 from the Go module proxy (the only network the CI has) and
# caches it under bin/helm-<version>, so a second run costs nothing. Prints the
# binary's path on stdout; progress goes to stderr so HELM=$(hack/helm.sh) works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
HELM_VERSION=${HELM_VERSION:-v3.22.0}
dir="$root/bin/helm-$HELM_VERSION"
if [ ! -x "$dir/helm" ]; then
  echo "installing helm@$HELM_VERSION" >&2
  mkdir -p "$dir"
  # GOFLAGS cleared so a caller's -mod=... cannot break the module-mode install.
  # The -X stamp makes `helm version` report the release, not just "v3.x".
  GOFLAGS= GOBIN="$dir" CGO_ENABLED=0 go install -trimpath \
    -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
echo "$dir/helm"
