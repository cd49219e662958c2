#!/usr/bin/env bash
# Builds Prometheus and promtool (-tags remove_all_sd: no cloud service
# discovery, far lighter) from the Go module proxy, pinned by
# test/tools/prometheus, and promqlnames (the metric names PromQL reads, by
# Prometheus' parser: test/e2e/observability), and caches them under
# bin/prometheus-<version>, so a second run costs nothing. Prints the
# directory holding the binaries on stdout; progress goes to stderr so
# PROMETHEUS_DIR=$(hack/prometheus.sh) works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PROMETHEUS_VERSION=v0.316.0 # must match test/tools/prometheus/go.mod
dir="$root/bin/prometheus-$PROMETHEUS_VERSION"
# promqlnames is this repository's code: rebuilt when its source changes.
names_sum=$(cat "$root"/test/tools/prometheus/promqlnames/*.go "$root/test/tools/prometheus/go.sum" | sha256sum | cut -c1-12)
for tool in prometheus promtool "promqlnames-$names_sum"; do
  if [ -x "$dir/$tool" ]; then
    continue
  fi
  # Test helpers set this: they report the missing tool rather than start a
  # build inside a test's timeout.
  if [ -n "${WEIR_TOOLS_NO_BUILD:-}" ]; then
    echo "$tool is not built: run hack/prometheus.sh (or make tools)" >&2
    exit 1
  fi
  echo "building $tool@$PROMETHEUS_VERSION" >&2
  mkdir -p "$dir"
  pkg="github.com/prometheus/prometheus/cmd/$tool"
  case $tool in promqlnames-*) pkg=./promqlnames ;; esac
  # GOFLAGS=-mod=mod so a caller's -mod=vendor/readonly cannot break the build
  # of this separate module; the .tmp + mv keeps an interrupted build from
  # leaving a binary that looks complete. Built through the tool module,
  # Prometheus is not the main module and cannot find its version, hence the -X.
  (cd "$root/test/tools/prometheus" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -tags remove_all_sd \
    -ldflags="-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" \
    -o "$dir/$tool.tmp" "$pkg")
  mv "$dir/$tool.tmp" "$dir/$tool"
done
ln -sf "promqlnames-$names_sum" "$dir/promqlnames"
echo "$dir"
