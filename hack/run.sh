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
  WEBHOOKS=${WEBHOOKS:-local}
fi
# Webhooks by URL on localhost only work when the API server runs on this
# host (the local cluster); against another cluster, install the chart.
WEBHOOKS=${WEBHOOKS:-off}
echo "installing the CRDs and the webhook configurations" >&2
kubectl apply --server-side --force-conflicts -f "$root/config/crd/bases/" >&2
kubectl wait --for=condition=Established --timeout=60s -f "$root/config/crd/bases/" >&2
# The operator runs on this host, so the API server calls its webhooks by
# URL on localhost; Weir makes their certificate and injects its CA. Their
# namespaceSelector leaves kube-system and weir-system alone.
webhook_flags=(--webhooks=false)
if [ "$WEBHOOKS" = local ]; then
  kubectl create namespace weir-system --dry-run=client -o yaml | kubectl apply -f - >&2
  kubectl apply --server-side --force-conflicts -f "$root/config/webhook/local/" >&2
  mkdir -p "$root/.cache/run/$name/certs"
  webhook_flags=(--webhook-host=127.0.0.1 --webhook-port=9443
    --webhook-cert-dir="$root/.cache/run/$name/certs" --webhook-certs=self-signed
    --webhook-secret=weir-system/weir-webhook-cert --webhook-dns-name=localhost)
else
  echo "WEBHOOKS=$WEBHOOKS: admission webhooks off (set WEBHOOKS=local if the API server runs on this host)" >&2
fi

cat >&2 <<MSG

Weir is starting against $(kubectl config current-context) ($KUBECONFIG).
In another shell:
  export KUBECONFIG=$KUBECONFIG PATH=$K8S_BIN:\$PATH
  kubectl apply -f config/samples/
  kubectl get runs,cronjobs,jobs
  kubectl annotate run my-pipeline runs.marmotdata.io/trigger=true
  bin/weir policy eval -f config/samples/my-pipeline.yaml   # what the policies decide
  kubectl get policybundles                               # admin-editable Rego
Stop with Ctrl-C; 'make cluster-down' deletes the local cluster.

MSG
exec "$WEIR" manager \
  --marmot-url="${MARMOT_URL:-http://marmot.marmot.svc.cluster.local:8080}" \
  --image="${WEIR_IMAGE:-ghcr.io/weir-dev/weir:dev}" \
  --metrics-bind-address="${METRICS_ADDR:-127.0.0.1:8080}" \
  --health-probe-bind-address="${HEALTH_ADDR:-127.0.0.1:8081}" \
  "${webhook_flags[@]}" \
  --zap-devel
