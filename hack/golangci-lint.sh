#!/usr/bin/env bash
# Builds golangci-lint v2 with kube-api-linter compiled in as a module plugin
# (sigs.k8s.io/kube-api-linter/cmd/golangci-lint-kube-api-linter) from the Go
# module proxy, pinned by test/tools/lint, and caches it under
# bin/golangci-lint-<versions>, so a second run costs nothing. Prints the
# binary's path on stdout; progress goes to stderr so LINT=$(hack/golangci-lint.sh) works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Both must match test/tools/lint/go.mod; they name the cache directory so a
# bump of either builds anew.
GOLANGCI_LINT_VERSION=v2.15.0
KAL_VERSION=v0.0.0-20260716143926-092fe0c72997
dir="$root/bin/golangci-lint-$GOLANGCI_LINT_VERSION-kal-${KAL_VERSION##*-}"
bin="$dir/golangci-lint-kube-api-linter"
if [ ! -x "$bin" ]; then
  echo "building golangci-lint@$GOLANGCI_LINT_VERSION with kube-api-linter@$KAL_VERSION" >&2
  mkdir -p "$dir"
  # GOFLAGS=-mod=mod so a caller's -mod=vendor/readonly cannot break the build
  # of this separate module; the .tmp + mv keeps an interrupted build from
  # leaving a binary that looks complete.
  (cd "$root/test/tools/lint" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" \
    -o "$bin.tmp" sigs.k8s.io/kube-api-linter/cmd/golangci-lint-kube-api-linter)
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
