#!/usr/bin/env bash
# `make run`: the operator in the foreground against $KUBECONFIG, or, when it
# is not set, against a local kwok cluster that this script starts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
K8S_BIN=${K8S_BIN:-$("$root/hack/control-plane.sh")}
WEIR=${WEIR:-$root/bin/weir}
name=${1:-weir}
export PATH="$K8S_BIN:$PATH"

if [ -z "${KUBECONFIG:-}" ]; then
  echo "KUBECONFIG is not set: starting a local kwok cluster '$name'" >&2
  KUBECONFIG=$(K8S_BIN="$K8S_BIN" "$root/hack/cluster.sh" up "$name")
  export KUBECONFIG
fi
echo "installing the CRDs" >&2
kubectl apply --server-side --force-conflicts -f "$root/config/crd/bases/" >&2

cat >&2 <<MSG

Weir is starting against $(kubectl config current-context) ($KUBECONFIG).
In another shell:
  export KUBECONFIG=$KUBECONFIG PATH=$K8S_BIN:\$PATH
  kubectl apply -f config/samples/
  kubectl get runs,cronjobs,jobs
  kubectl annotate run my-pipeline runs.marmotdata.io/trigger=true
Stop with Ctrl-C; 'make cluster-down' deletes the local cluster.

MSG
exec "$WEIR" manager \
  --marmot-url="${MARMOT_URL:-http://marmot.marmot.svc.cluster.local:8080}" \
  --image="${WEIR_IMAGE:-ghcr.io/weir-dev/weir:dev}" \
  --metrics-bind-address="${METRICS_ADDR:-127.0.0.1:8080}" \
  --health-probe-bind-address="${HEALTH_ADDR:-127.0.0.1:8081}" \
  --zap-devel
