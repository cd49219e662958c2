#!/usr/bin/env bash
# Builds the test control plane from the module proxy and caches each binary
# under bin/<name>-<version>, so a second run costs nothing. Prints the
# directory that holds the binaries (for KUBEBUILDER_ASSETS and kwokctl).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
KUBE_VERSION=${KUBE_VERSION:-v1.37.0}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.7.0}
dir="$root/bin/k8s/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
mkdir -p "$dir"
ldflags="-s -w"

build() { # name module-dir package
  local name=$1 mod=$2 pkg=$3
  [ -x "$dir/$name" ] && return 0
  echo "building $name ($pkg)" >&2
  (cd "$root/$mod" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$dir/$name.tmp" "$pkg")
  mv "$dir/$name.tmp" "$dir/$name"
}

kube_ldflags() {
  # Version stamps so kubectl/kwokctl see the real release, not v0.0.0.
  local v=${KUBE_VERSION#v}
  echo "-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=${v%%.*} -X k8s.io/component-base/version.gitMinor=$(echo "$v" | cut -d. -f2) -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
}

ldflags="-s -w $(kube_ldflags)"
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build "$c" test/tools "k8s.io/kubernetes/cmd/$c"
done
ldflags="-s -w"
build etcd test/tools/etcd go.etcd.io/etcd/server/v3
for c in kwok kwokctl; do
  if [ ! -x "$dir/$c" ]; then
    echo "installing $c@$KWOK_VERSION" >&2
    GOFLAGS= GOBIN="$dir" CGO_ENABLED=0 go install -trimpath -ldflags="-s -w" "sigs.k8s.io/kwok/cmd/$c@$KWOK_VERSION"
  fi
done
echo "$dir"
