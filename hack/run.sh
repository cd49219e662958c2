#!/usr/bin/env bash
# `make run`: the operator in the foreground on this host.
#   hack/run.sh [NAME]
# - KUBECONFIG unset (or the local cluster's own): a local kwok cluster NAME
#   (default weir) that this script starts; CRDs, then admission webhooks the
#   API server calls on https://localhost:<port>.
# - KUBECONFIG set to another cluster: refused unless ALLOW_CLUSTER=1, since it
#   writes Weir's CRDs there and reconciles every Run of that cluster.
#   Webhooks are on when that API server runs on this host, off (said loudly)
#   otherwise; WEBHOOKS=local|off overrides.
# Ports: the first free ones from 9443 (webhooks), 8080 (metrics) and 8081
# (probes); WEBHOOK_PORT, METRICS_PORT, HEALTH_PORT choose them (busy: error).
# On exit (Ctrl-C, SIGTERM, the operator failing) it stops the operator and
# deletes the webhook configurations it applied: their failurePolicy: Fail
# would otherwise refuse every Run write until an operator answers again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
K8S_BIN=${K8S_BIN:-$("$root/hack/control-plane.sh")}
WEIR=${WEIR:-$root/bin/weir}
name=${1:-weir}
export PATH="$K8S_BIN:$PATH"
state="$root/.cache/run/$name"
# Names of make run's own objects, distinct from an installed Weir's
# (weir-validating, weir-mutating, weir-webhook-cert), so the two compose.
validating=weir-local-validating
mutating=weir-local-mutating
secret=weir-system/weir-local-webhook-cert

die() { echo "make run: $*" >&2; exit 1; }
busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# port VAR DEFAULT [TAKEN...]: $VAR if set (and free), else the first free port
# from DEFAULT that is not one of TAKEN (picked already, not yet bound).
port() {
  local var=$1 p=${!1:-} taken=" ${*:3} "
  if [ -n "$p" ]; then
    if busy "$p" || [[ $taken == *" $p "* ]]; then
      die "$var=$p: 127.0.0.1:$p is in use (another make run?); choose another $var or unset it to pick a free port"
    fi
    echo "$p"; return
  fi
  p=$2
  while busy "$p" || [[ $taken == *" $p "* ]]; do p=$((p + 1)); done
  echo "$p"
}

local_kubeconfig="$root/.cache/kwok/$name.kubeconfig"
if [ -z "${KUBECONFIG:-}" ] || [ "$KUBECONFIG" = "$local_kubeconfig" ]; then
  echo "starting (or reusing) the local kwok cluster '$name'" >&2
  KUBECONFIG=$(K8S_BIN="$K8S_BIN" "$root/hack/cluster.sh" up "$name")
  export KUBECONFIG
  server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  WEBHOOKS=${WEBHOOKS:-local}
  crd_flags=(--force-conflicts) # our own throwaway cluster
else
  context=$(kubectl config current-context 2>/dev/null || echo "?")
  server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' 2>/dev/null || echo "?")
  host=${server#*://}; host=${host%%/*}; host=${host%:*}
  case "$host" in
  127.* | localhost | "[::1]") on_this_host=1 ;;
  *) on_this_host= ;;
  esac
  if [ "${ALLOW_CLUSTER:-}" != 1 ]; then
    cat >&2 <<MSG
make run: KUBECONFIG is set ($KUBECONFIG: context '$context', server $server).
Against that cluster make run would:
  - server-side apply Weir's CRDs (runs.marmotdata.io, policies.weir.dev, ...);
  - $( [ -n "$on_this_host" ] && echo "create namespace weir-system and the webhook configurations $validating and $mutating (https://localhost:<port>)" || echo "run WITHOUT admission webhooks: that API server cannot call this host, so no policy checks Runs at apply");
  - run the operator here, reconciling every Run in that cluster.
To do that: make run ALLOW_CLUSTER=1
For the local kwok cluster instead: unset KUBECONFIG; make run
To install Weir in that cluster: see README.md, Install (helm install).
MSG
    exit 1
  fi
  if [ -n "$on_this_host" ]; then WEBHOOKS=${WEBHOOKS:-local}; else WEBHOOKS=${WEBHOOKS:-off}; fi
  crd_flags=()
fi

webhook_port=$(port WEBHOOK_PORT 9443)
metrics_port=$(port METRICS_PORT 8080 "$webhook_port")
health_port=$(port HEALTH_PORT 8081 "$webhook_port" "$metrics_port")
access_port=$(port ACCESS_PORT 8090 "$webhook_port" "$metrics_port" "$health_port")

weir_pid=
webhooks_applied=
cleanup() {
  local rc=$?
  trap '' INT TERM HUP # finish the cleanup even on a second Ctrl-C
  if [ -n "$weir_pid" ] && kill -0 "$weir_pid" 2>/dev/null; then
    # Ctrl-C in a terminal reaches the operator too: give it a moment to stop
    # by itself, since a second signal makes it exit without shutting down.
    [ "$rc" = 130 ] && for _ in $(seq 30); do kill -0 "$weir_pid" 2>/dev/null || break; sleep 0.1; done
    kill -TERM "$weir_pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$weir_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$weir_pid" 2>/dev/null || true
  fi
  if [ -n "$webhooks_applied" ]; then
    echo "make run: deleting the webhook configurations $validating and $mutating (with no operator to answer, they would refuse every Run write)" >&2
    if ! kubectl delete validatingwebhookconfiguration "$validating" --ignore-not-found --wait=false >&2 ||
      ! kubectl delete mutatingwebhookconfiguration "$mutating" --ignore-not-found --wait=false >&2; then
      echo "make run: could not delete them; run: kubectl delete validatingwebhookconfiguration $validating; kubectl delete mutatingwebhookconfiguration $mutating" >&2
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

echo "installing the CRDs" >&2
if ! kubectl apply --server-side "${crd_flags[@]}" -f "$root/config/crd/bases/" >&2; then
  die "applying the CRDs failed (above). On a conflict another installation (helm?) manages them: upgrade that one, or apply config/crd/bases yourself with --force-conflicts"
fi
kubectl wait --for=condition=Established --timeout=60s -f "$root/config/crd/bases/" >&2

# The operator runs on this host, so the API server calls its webhooks by URL
# on localhost; Weir makes their certificate and injects its CA. Their
# namespaceSelector leaves kube-system and weir-system alone.
webhook_flags=(--webhooks=false)
if [ "$WEBHOOKS" = local ]; then
  echo "installing the webhook configurations $validating and $mutating (https://localhost:$webhook_port)" >&2
  kubectl create namespace weir-system --dry-run=client -o yaml | kubectl apply -f - >&2
  mkdir -p "$state/webhook" "$state/certs"
  sed "s#https://localhost:9443/#https://localhost:$webhook_port/#" "$root/config/webhook/local/manifests.yaml" >"$state/webhook/manifests.yaml"
  webhooks_applied=1
  kubectl apply --server-side --force-conflicts -f "$state/webhook/manifests.yaml" >&2
  webhook_flags=(--webhook-host=127.0.0.1 --webhook-port="$webhook_port"
    --webhook-cert-dir="$state/certs" --webhook-certs=self-signed
    --webhook-secret="$secret" --webhook-dns-name=localhost
    --validating-webhook-configuration="$validating" --mutating-webhook-configuration="$mutating")
  admission="on: webhooks at https://localhost:$webhook_port, deleted when make run stops"
else
  admission="OFF (WEBHOOKS=$WEBHOOKS): nothing checks Runs at apply"
  cat >&2 <<MSG

################################################################################
  ADMISSION IS OFF. The API server ($server) cannot call this host,
  so no webhook checks Runs against the policies: a Run the policies deny is
  created anyway (its status still says PolicyDenied). See the decisions with
  'bin/weir policy eval -f run.yaml'; for admission, install Weir in the
  cluster (README.md, Install), or WEBHOOKS=local if the API server can reach
  https://localhost:$webhook_port.
################################################################################
MSG
fi

cat >&2 <<MSG

Weir is starting against $(kubectl config current-context) ($KUBECONFIG).
  admission $admission
  metrics   http://127.0.0.1:$metrics_port/metrics
  probes    http://127.0.0.1:$health_port/readyz
  access    http://127.0.0.1:$access_port/_weir/ (login pages and the proxy's forward-auth endpoint)
In another shell:
  export KUBECONFIG=$KUBECONFIG PATH=$K8S_BIN:\$PATH
  kubectl apply -f config/samples/
  kubectl get runs,cronjobs,jobs
  kubectl annotate run my-pipeline runs.marmotdata.io/trigger=true
  bin/weir policy eval -f config/samples/my-pipeline.yaml   # what the policies decide
  kubectl get policybundles                               # admin-editable Rego
Stop with Ctrl-C (it removes the webhook configurations); 'make cluster-down CLUSTER=$name' deletes the local cluster.

MSG
# Ingestion pods' image: the binary's default (make build stamps the
# Makefile's IMG), or WEIR_IMAGE.
"$WEIR" manager \
  --marmot-url="${MARMOT_URL:-http://marmot.marmot.svc.cluster.local:8080}" \
  ${WEIR_IMAGE:+"--image=$WEIR_IMAGE"} \
  --metrics-bind-address="127.0.0.1:$metrics_port" --metrics-secure=false \
  --health-probe-bind-address="127.0.0.1:$health_port" \
  --access-bind-address="127.0.0.1:$access_port" --access-secret=weir-system/weir-local-access \
  "${webhook_flags[@]}" \
  --zap-devel &
weir_pid=$!
rc=0
wait "$weir_pid" || rc=$?
weir_pid=
exit "$rc"
