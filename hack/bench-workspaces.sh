#!/usr/bin/env bash
# The Workspace scale run: TEMPLATES WorkspaceTemplates (default 10) and N
# Workspaces across them (default 1,000) on a kwok cluster, the operator a
# local process with its admission webhooks on. Reports the time to
# converge (Weir's part: every child exists, every status current) and
# until every Workspace is Available (the cluster's part too: ReplicaSets,
# pods, binding), API writes (besides Events), Events, reconciles and
# operator CPU per Workspace to each, the writes in an idle window after
# that (should be 0) and the operator's peak RSS
# (test/bench/workspaces), then the operator's writes by resource and verb
# from the API server's audit log. Writes the table to BENCH_OUT; its
# "bench-workspaces KEY VALUE" lines are for machines (make bench).
#   K8S_BIN=$(hack/control-plane.sh) WEIR=bin/weir hack/bench-workspaces.sh
# Environment: N (1000), TEMPLATES (10), BENCH_NS (bench-ws), IDLE (30s),
# TIMEOUT (15m), WORKERS (16), BENCH_CLUSTER (weir-bench-ws),
# BENCH_OUT (bin/bench-workspaces.txt; the operator's log goes beside it),
# WEBHOOKS=0 to measure the reconcilers alone, MANAGER_ARGS (extra
# `weir manager` flags), KEEP_CLUSTER=1 to leave it up, PPROF=FILE to
# write a CPU profile of the operator over PPROF_SECONDS (120) from the
# benchmark's start (go tool pprof -top "$WEIR" FILE; the run waits for it). The cluster and the
# operator are torn down on exit.
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
out=${BENCH_OUT:-$root/bin/bench-workspaces.txt}
log=${out%.txt}-manager.log
export K8S_BIN PATH="$K8S_BIN:$PATH"

[ -x "$WEIR" ] || { echo "no operator binary at $WEIR: run 'make build'" >&2; exit 1; }
mkdir -p "$root/bin" "$(dirname "$out")"

. "$root/hack/lib/bench.sh"

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
write_audit_policy "$tmp/audit-policy.yaml"
audit="$KWOK_WORKDIR/clusters/$cluster/logs/audit.log"
KWOK_KUBE_AUDIT_POLICY="$tmp/audit-policy.yaml" kwokctl create cluster --name "$cluster" --runtime binary --kubeconfig "$KUBECONFIG" \
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

if [ -n "${PPROF:-}" ]; then
  pprof_port=$(free_port 16060)
  MANAGER_ARGS="${MANAGER_ARGS:-} --pprof-bind-address=127.0.0.1:$pprof_port"
fi
webhooks="webhooks on"
if [ "${WEBHOOKS:-1}" = 0 ]; then
  # shellcheck disable=SC2086 # MANAGER_ARGS is a list of flags
  start_operator --workspace-url-base=https://ide.bench.example --webhooks=false ${MANAGER_ARGS:-}
  kubectl delete validatingwebhookconfiguration weir-local-validating >&2
  kubectl delete mutatingwebhookconfiguration weir-local-mutating >&2
  webhooks="webhooks off"
else
  # shellcheck disable=SC2086
  start_operator --workspace-url-base=https://ide.bench.example ${MANAGER_ARGS:-}
fi

rc=0
if [ -n "${PPROF:-}" ]; then
  curl -fsS -o "$PPROF" "http://127.0.0.1:$pprof_port/debug/pprof/profile?seconds=${PPROF_SECONDS:-120}" &
  pprof_pid=$!
fi
{
  "$root/bin/bench-workspaces" -n "$N" -templates "$TEMPLATES" -namespace "$BENCH_NS" -workers "$WORKERS" \
    -metrics "http://127.0.0.1:$metrics_port/metrics" -pid "$weir_pid" \
    -idle "$IDLE" -timeout "$TIMEOUT" -log "$log" | tee "$tmp/ws.txt" || echo "$?" >"$out.rc"
  if [ -s "$audit" ]; then
    conv_s=$(awk -F'  +' '/^time to converge/ {print $2+0}' "$tmp/ws.txt")
    avail_s=$(awk -F'  +' '/^wall time until all Available/ {print $2+0}' "$tmp/ws.txt")
    echo
    echo "Writes to converge (Weir's part: the first ${conv_s:-?} s):"
    audit_summary "$audit" "${conv_s:-0}" "$N" bench-workspaces workspacetemplates Workspace
    echo
    echo "Writes until all Available (its \"to converge\" columns: the first ${avail_s:-?} s):"
    audit_summary "$audit" "${avail_s:-0}" "$N" bench-workspaces workspacetemplates Workspace
    # The status writes, the figure issue 15 bounds (<= 2 per Workspace).
    for cut in "converge ${conv_s:-0}" "available ${avail_s:-0}"; do
      set -- $cut
      jq -rs --argjson conv "$2" --argjson n "$N" --arg ua "$(basename "$WEIR")/" --arg key "$1" '
        def ts: (.[0:19] + "Z" | fromdate) + (.[19:-1] | if . == "" then 0 else ("0" + . | tonumber) end);
        map(select(.stage == "ResponseComplete")) as $all
        | ([$all[] | select((.userAgent | startswith("bench-workspaces")) and .objectRef.resource == "workspacetemplates" and .verb == "create")
            | .requestReceivedTimestamp | ts] | min) as $start
        | [$all[] | select((.userAgent | startswith($ua)) and .objectRef.resource == "workspaces" and .objectRef.subresource == "status"
            and ((.requestReceivedTimestamp | ts) - $start) <= $conv)] | length
        | "bench-workspaces status_writes_per_workspace" + (if $key == "available" then "_to_available" else "" end) + " " + ((. / $n * 1000 | round / 1000) | tostring)
      ' "$audit"
    done
  fi
  echo "environment: $(nproc) cores, $("$K8S_BIN/kube-apiserver" --version 2>/dev/null), weir $("$WEIR" version), $webhooks"
} | tee "$out"
if [ -n "${pprof_pid:-}" ]; then wait "$pprof_pid" || echo "no CPU profile written" >&2; fi
if [ -s "$out.rc" ]; then rc=$(cat "$out.rc"); fi
rm -f "$out.rc"
echo "written to $out" >&2
exit "$rc"
