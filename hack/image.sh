#!/usr/bin/env bash
# Builds Weir's image without Docker: hack/image.sh REF OUTDIR writes
# OUTDIR/image (OCI layout) and OUTDIR/weir-image.tar (docker-save tarball
# naming REF, for `crane push` or `kind load image-archive`). `make image`
# runs it with REF=$(IMG) and OUTDIR=bin. Needs only Go; the built-in
# modules (make plugins) must exist, or the weir build fails.
#
# Environment: LDFLAGS (the Makefile's, so the binary's version and
# default image match), VERSION, GOARCH (default: this machine's),
# SOURCE_DATE_EPOCH (default: the last commit's time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ref=${1:?usage: hack/image.sh REF OUTDIR}
out=${2:?usage: hack/image.sh REF OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
ldflags=${LDFLAGS:-"-s -w -X main.version=$version -X main.image=$ref"}
arch=${GOARCH:-$(go env GOARCH)}
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "building weir $version (linux/$arch, static)" >&2
CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -ldflags "$ldflags" -o "$work/weir" ./operator/cmd/weir

# The precompiled code is native code for this machine's CPU: it can only be
# produced by running the binary here. Another architecture (or a non-Linux
# build machine) gets an image without it; ingest then compiles on first use.
cache_flag=()
if [ "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" = "linux/$arch" ]; then
  echo "precompiling the built-in sources" >&2
  "$work/weir" plugin precompile --cache-dir "$work/cache" >&2
  cache_flag=(-cache "$work/cache")
else
  echo "not precompiling: this machine is $(go env GOHOSTOS)/$(go env GOHOSTARCH), the image linux/$arch" >&2
fi

# The builder is its own module (test/tools/image); GOFLAGS=-mod=mod so a
# caller's -mod=vendor/readonly cannot break it.
(cd test/tools/image && GOFLAGS=-mod=mod go build -o "$work/image-builder" .)
"$work/image-builder" -binary "$work/weir" "${cache_flag[@]}" -ref "$ref" -version "$version" -arch "$arch" \
  -epoch "$epoch" -layout "$out/image" -tar "$out/weir-image.tar"
