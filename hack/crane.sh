#!/usr/bin/env bash
# Builds crane (go-containerregistry's CLI: push, copy, inspect images) from
# the Go module proxy, pinned by test/tools/image, and caches it under
# bin/crane-<version>. Prints the binary's path on stdout, so
# `$(hack/crane.sh) push bin/weir-image.tar REF` works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(cd "$root/test/tools/image" && go list -m -f '{{.Version}}' github.com/google/go-containerregistry)
dir="$root/bin/crane-$version"
if [ ! -x "$dir/crane" ]; then
  echo "building crane@$version" >&2
  mkdir -p "$dir"
  (cd "$root/test/tools/image" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' \
    -o "$dir/crane.tmp" github.com/google/go-containerregistry/cmd/crane)
  mv "$dir/crane.tmp" "$dir/crane"
fi
echo "$dir/crane"
