#!/usr/bin/env bash
# A local kwok cluster with the real kube-apiserver, etcd, controller-manager
# and scheduler (built by hack/control-plane.sh) and one fake node.
#   hack/cluster.sh up [NAME]    start it (idempotent); prints its kubeconfig path
#   hack/cluster.sh down [NAME]  delete it
# State lives in .cache/kwok, so nothing outside the checkout is touched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
K8S_BIN=${K8S_BIN:-$("$root/hack/control-plane.sh")}
export PATH="$K8S_BIN:$PATH"
export KWOK_WORKDIR="$root/.cache/kwok"
cmd=${1:?usage: cluster.sh up|down [NAME]}
name=${2:-weir}
kubeconfig="$KWOK_WORKDIR/$name.kubeconfig"

case "$cmd" in
up)
  if kwokctl get clusters 2>/dev/null | grep -qx "$name" && kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; then
    echo "$kubeconfig"; exit 0
  fi
  kwokctl delete cluster --name "$name" >/dev/null 2>&1 || true
  mkdir -p "$KWOK_WORKDIR"
  kwokctl create cluster --name "$name" --runtime binary --kubeconfig "$kubeconfig" \
    --kube-apiserver-binary "$K8S_BIN/kube-apiserver" \
    --kube-controller-manager-binary "$K8S_BIN/kube-controller-manager" \
    --kube-scheduler-binary "$K8S_BIN/kube-scheduler" \
    --etcd-binary "$K8S_BIN/etcd" \
    --kwok-controller-binary "$K8S_BIN/kwok" \
    --wait 2m >&2
  kubectl --kubeconfig "$kubeconfig" apply -f - >&2 <<'NODE'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
spec: {}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "1000"}
  capacity: {cpu: "32", memory: 256Gi, pods: "1000"}
NODE
  echo "$kubeconfig"
  ;;
down)
  kwokctl delete cluster --name "$name" >&2 || true
  rm -f "$kubeconfig"
  ;;
*) echo "usage: cluster.sh up|down [NAME]" >&2; exit 2 ;;
esac
