#!/usr/bin/env bash
# The manager memory run: N_RUNS Runs (default 10,000, half scheduled) and
# N_WORKSPACES Workspaces (default 5,000) across TEMPLATES templates on a kwok
# cluster, the operator a local process with --pprof-bind-address. Once every
# status is current and every child exists, it forces a GC, samples the
# manager's VmRSS (steady, after a settle) and VmHWM (peak) and its heap in
# use, keeps the heap profile and prints its top (inuse_space). Writes the
# table and the lines rss_mib_steady, rss_mib_peak, heap_inuse_mib (and
# rss_mib_anon, rss_mib_file: the steady RSS split into anonymous pages and
# the binary's file pages) to BENCH_OUT. N_RUNS=0 N_WORKSPACES=0 measures the
# idle manager (the floor).
#   K8S_BIN=$(hack/control-plane.sh) WEIR=bin/weir hack/bench-memory.sh
# The manager runs without its admission webhooks (--webhooks=false, as
# bench-scale's WEBHOOKS=0): they would only slow the creates, and memory is
# the reconcilers' caches; the webhooks' own cost is bench-scale's. The cluster runs
# without kube-controller-manager and kube-scheduler (FULL_CLUSTER=1 keeps
# them): 10,000 pods on kwok would measure the cluster, not the manager; the
# Jobs then never run and the Workspaces never become Available, but every
# child Weir makes exists and every status is written.
# Environment: N_RUNS (10000), N_WORKSPACES (5000), TEMPLATES (5), WORKERS
# (64), SETTLE (30s), TIMEOUT (20m), BENCH_CLUSTER (weir-bench-mem), BENCH_OUT
# (bin/bench-memory.txt; the log and heap profile go beside it), MANAGER_ARGS,
# KEEP_CLUSTER=1 to leave the cluster up; REUSE_CLUSTER=1 to measure against
# a cluster a KEEP_CLUSTER=1 run left up (no populate: the first manager is
# measured as a restart, -existing), so a before/after at the full size does
# not pay the ~15 min populate again.
# COMPARE="bin/a bin/b ...": afterwards, restart the manager as each of these
# binaries in turn against the same objects and measure again (the lines are
# then restart_rss_mib_steady etc.): the fair before/after, since every
# restart starts from the same cluster with nothing left to write.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
K8S_BIN=${K8S_BIN:-$(hack/control-plane.sh)}
WEIR=${WEIR:-$root/bin/weir}
N_RUNS=${N_RUNS:-10000}
N_WORKSPACES=${N_WORKSPACES:-5000}
TEMPLATES=${TEMPLATES:-5}
WORKERS=${WORKERS:-64}
SETTLE=${SETTLE:-30s}
TIMEOUT=${TIMEOUT:-20m}
cluster=${BENCH_CLUSTER:-weir-bench-mem}
out=${BENCH_OUT:-$root/bin/bench-memory.txt}
log=${out%.txt}-manager.log
heap=${out%.txt}-heap.pb.gz
export K8S_BIN PATH="$K8S_BIN:$PATH"

[ -x "$WEIR" ] || { echo "no operator binary at $WEIR: run 'make build'" >&2; exit 1; }
mkdir -p "$root/bin" "$(dirname "$out")"

. "$root/hack/lib/bench.sh"

echo "building the measuring program" >&2
go build -o "$tmp/bench-memory" ./test/bench/memory

export KWOK_WORKDIR="$root/.cache/kwok"
KUBECONFIG="$KWOK_WORKDIR/$cluster.kubeconfig"
export KUBECONFIG
disable=(--disable kube-controller-manager,kube-scheduler)
if [ "${FULL_CLUSTER:-}" = 1 ]; then disable=(); fi
# Every Workspace has a ClusterIP Service: a /16 has room for them.
for try in 1 2 3; do
  if [ "${REUSE_CLUSTER:-}" = 1 ]; then
    kubectl get --raw /readyz >/dev/null || { echo "REUSE_CLUSTER=1: no cluster $cluster to reuse" >&2; exit 1; }
    echo "reusing kwok cluster $cluster" >&2
    break
  fi
  echo "starting kwok cluster $cluster" >&2
  kwokctl delete cluster --name "$cluster" >/dev/null 2>&1 || true
  if kwokctl create cluster --name "$cluster" --runtime binary --kubeconfig "$KUBECONFIG" \
    --kube-apiserver-binary "$K8S_BIN/kube-apiserver" \
    --kube-controller-manager-binary "$K8S_BIN/kube-controller-manager" \
    --kube-scheduler-binary "$K8S_BIN/kube-scheduler" \
    --etcd-binary "$K8S_BIN/etcd" \
    --kwok-controller-binary "$K8S_BIN/kwok" \
    --extra-args kube-apiserver=service-cluster-ip-range=10.96.0.0/16 \
    "${disable[@]}" --disable-qps-limits --wait 2m >&2; then
    break
  fi
  # Other benchmarks start clusters at the same time: a port taken between
  # kwokctl's choice and its use fails the start; try again.
  [ "$try" = 3 ] && { echo "kwok cluster $cluster did not start" >&2; exit 1; }
  sleep 5
done
kubectl apply --server-side -f config/crd/bases/ >&2
kubectl wait --for condition=Established --timeout 60s -f config/crd/bases/ >&2

pprof_port=$(free_port 16060)
# shellcheck disable=SC2086 # MANAGER_ARGS is a list of flags
start_operator --webhooks=false --workspace-url-base=https://ide.bench.example \
  --pprof-bind-address="127.0.0.1:$pprof_port" ${MANAGER_ARGS:-}
kubectl delete validatingwebhookconfiguration weir-local-validating >&2
kubectl delete mutatingwebhookconfiguration weir-local-mutating >&2

# measure [ARGS]: the driver against the running manager.
measure() {
  "$tmp/bench-memory" -runs "$N_RUNS" -workspaces "$N_WORKSPACES" -templates "$TEMPLATES" -workers "$WORKERS" \
    -pid "$weir_pid" -pprof "http://127.0.0.1:$pprof_port" -metrics "http://127.0.0.1:$metrics_port/metrics" \
    -settle "$SETTLE" -timeout "$TIMEOUT" "$@"
}

rc=0
{
  existing=()
  if [ "${REUSE_CLUSTER:-}" = 1 ]; then existing=(-existing); fi
  measure "${existing[@]}" -heap-profile "$heap" || echo "$?" >"$tmp/rc"
  if [ -s "$heap" ]; then
    echo
    echo "heap profile $heap, top by inuse_space:"
    go tool pprof -top -sample_index=inuse_space -nodecount=25 "$WEIR" "$heap" 2>/dev/null | sed -n '1,32p'
  fi
  echo "environment: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$K8S_BIN/kube-apiserver" --version 2>/dev/null), weir $("$WEIR" version), webhooks off, ${disable[*]:-full cluster}"
  i=0
  for bin in ${COMPARE:-}; do
    i=$((i + 1))
    kill "$weir_pid"
    for _ in $(seq 60); do kill -0 "$weir_pid" 2>/dev/null || break; sleep 0.5; done
    WEIR=$bin log=${out%.txt}-manager-$i.log
    pprof_port=$(free_port 16060)
    # shellcheck disable=SC2086
    start_operator --webhooks=false --workspace-url-base=https://ide.bench.example \
      --pprof-bind-address="127.0.0.1:$pprof_port" ${MANAGER_ARGS:-}
    kubectl delete validatingwebhookconfiguration/weir-local-validating mutatingwebhookconfiguration/weir-local-mutating >&2
    echo
    echo "restart $i: $bin"
    measure -existing -heap-profile "${heap%.pb.gz}-$i.pb.gz" | sed 's/^\(rss_mib\|heap_inuse\)/restart_\1/' || echo "$?" >"$tmp/rc"
  done
  # This group is a subshell: the trap's clean-up knows the first manager only.
  if [ -n "${COMPARE:-}" ]; then kill "$weir_pid"; fi
} | tee "$out"
echo "written to $out" >&2
if [ -s "$tmp/rc" ]; then rc=$(cat "$tmp/rc"); fi
exit "$rc"
