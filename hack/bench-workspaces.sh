#!/usr/bin/env bash
# The Workspace scale run: TEMPLATES WorkspaceTemplates (default 10) and N
# Workspaces across them (default 1,000) on a kwok cluster, the operator a
# local process with its admission webhooks on. Reports the wall time until
# every Workspace is Available, API writes and reconciles per Workspace, the
# writes in an idle window after that (should be 0) and the operator's peak
# RSS (test/bench/workspaces). Writes the table to bin/bench-workspaces.txt.
#   K8S_BIN=$(hack/control-plane.sh) WEIR=bin/weir hack/bench-workspaces.sh
# Environment: N (1000), TEMPLATES (10), BENCH_NS (bench-ws), IDLE (30s),
# TIMEOUT (15m), WORKERS (16), BENCH_CLUSTER (weir-bench-ws), KEEP_CLUSTER=1
# to leave it up. The cluster and the operator are torn down on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
K8S_BIN=${K8S_BIN:-$(hack/control-plane.sh)}
WEIR=${WEIR:-$root/bin/weir}
N=${N:-1000}
TEMPLATES=${TEMPLATES:-10}
BENCH_NS=${BENCH_NS:-bench-ws}
IDLE=${IDLE:-30s}
TIMEOUT=${TIMEOUT:-15m}
WORKERS=${WORKERS:-16}
cluster=${BENCH_CLUSTER:-weir-bench-ws}
out="$root/bin/bench-workspaces.txt"
log="$root/bin/bench-workspaces-manager.log"
export K8S_BIN PATH="$K8S_BIN:$PATH"

[ -x "$WEIR" ] || { echo "no operator binary at $WEIR: run 'make build'" >&2; exit 1; }
mkdir -p "$root/bin"

# A free local port, starting from $1.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

weir_pid=
tmp=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-XXXXXX")
cleanup() {
  local rc=$?
  if [ -n "$weir_pid" ] && kill -0 "$weir_pid" 2>/dev/null; then
    kill "$weir_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$weir_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$weir_pid" 2>/dev/null || true
  fi
  if [ "${KEEP_CLUSTER:-}" = 1 ]; then
    echo "cluster $cluster kept: KUBECONFIG=${KUBECONFIG:-}" >&2
  else
    hack/cluster.sh down "$cluster" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -f "$out.rc"
echo "building the measuring programs" >&2
go build -o "$root/bin/bench-workspaces" ./test/bench/workspaces

echo "starting kwok cluster $cluster" >&2
# As hack/cluster.sh up, but without the components' client rate limits:
# at its default 20 requests/s the controller-manager (binding 1,000 claims,
# creating 1,000 ReplicaSets and pods) would be what the wall time measures.
export KWOK_WORKDIR="$root/.cache/kwok"
KUBECONFIG="$KWOK_WORKDIR/$cluster.kubeconfig"
export KUBECONFIG
kwokctl delete cluster --name "$cluster" >/dev/null 2>&1 || true
mkdir -p "$KWOK_WORKDIR"
kwokctl create cluster --name "$cluster" --runtime binary --kubeconfig "$KUBECONFIG" \
  --kube-apiserver-binary "$K8S_BIN/kube-apiserver" \
  --kube-controller-manager-binary "$K8S_BIN/kube-controller-manager" \
  --kube-scheduler-binary "$K8S_BIN/kube-scheduler" \
  --etcd-binary "$K8S_BIN/etcd" \
  --kwok-controller-binary "$K8S_BIN/kwok" \
  --disable-qps-limits --wait 2m >&2
kubectl apply --server-side -f config/crd/bases/ >&2
kubectl wait --for condition=Established --timeout 60s -f config/crd/bases/ >&2
# Every Workspace has a ClusterIP Service: kwokctl's service range is a
# /24 (254 addresses), so a further ServiceCIDR makes room for 65k.
kubectl apply -f - >&2 <<'CIDR'
apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata:
  name: weir-bench
spec:
  cidrs: ["10.96.0.0/16"]
CIDR
# Two fake nodes of 1,000 pods each.
for node in kwok-node-0 kwok-node-1; do
  kubectl apply -f - >&2 <<NODE
apiVersion: v1
kind: Node
metadata:
  name: $node
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: $node
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
spec: {}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "1000"}
  capacity: {cpu: "32", memory: 256Gi, pods: "1000"}
NODE
done

metrics_port=$(free_port 18480)
health_port=$(free_port $((metrics_port + 1)))
webhook_port=$(free_port 19443)
# The webhooks by URL on localhost, as `make run` installs them (the kwok
# API server runs on this host), on a free port rather than 9443; the
# operator makes their certificate and injects its CA.
echo "installing the webhook configurations (https://localhost:$webhook_port)" >&2
kubectl create namespace weir-system --dry-run=client -o yaml | kubectl apply -f - >&2
mkdir -p "$tmp/webhook" "$tmp/certs"
for f in config/webhook/local/*.yaml; do
  sed "s#https://localhost:9443/#https://localhost:$webhook_port/#" "$f" >"$tmp/webhook/$(basename "$f")"
done
kubectl apply --server-side -f "$tmp/webhook/" >&2
echo "starting the operator (metrics :$metrics_port, probes :$health_port, webhooks :$webhook_port, log $log)" >&2
"$WEIR" manager \
  --metrics-bind-address="127.0.0.1:$metrics_port" --metrics-secure=false \
  --health-probe-bind-address="127.0.0.1:$health_port" \
  --webhook-host=127.0.0.1 --webhook-port="$webhook_port" \
  --webhook-cert-dir="$tmp/certs" --webhook-certs=self-signed \
  --webhook-secret=weir-system/weir-local-webhook-cert --webhook-dns-name=localhost \
  --validating-webhook-configuration=weir-local-validating --mutating-webhook-configuration=weir-local-mutating \
  --image=ghcr.io/weir-dev/weir:bench \
  --workspace-url-base=https://ide.bench.example \
  --marmot-url=http://marmot:8080 >"$log" 2>&1 &
weir_pid=$!

# /readyz includes the webhook server, which starts once its certificate
# is written.
ready=
for _ in $(seq 120); do
  kill -0 "$weir_pid" 2>/dev/null || { echo "the operator exited:" >&2; tail -20 "$log" >&2; exit 1; }
  if curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1 &&
    grep -q 'Starting workers' "$log"; then
    ready=1; break
  fi
  sleep 0.5
done
[ -n "$ready" ] || { echo "the operator did not become ready:" >&2; tail -20 "$log" >&2; exit 1; }

rc=0
{
  "$root/bin/bench-workspaces" -n "$N" -templates "$TEMPLATES" -namespace "$BENCH_NS" -workers "$WORKERS" \
    -metrics "http://127.0.0.1:$metrics_port/metrics" -pid "$weir_pid" \
    -idle "$IDLE" -timeout "$TIMEOUT" -log "$log" || echo "$?" >"$out.rc"
  echo "environment: $(nproc) cores, $("$K8S_BIN/kube-apiserver" --version 2>/dev/null), weir $("$WEIR" version), webhooks on"
} | tee "$out"
if [ -s "$out.rc" ]; then rc=$(cat "$out.rc"); fi
rm -f "$out.rc"
echo "written to $out" >&2
exit "$rc"
