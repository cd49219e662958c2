#!/usr/bin/env bash
# The scale run: N Runs (default 1,000, half scheduled) on a kwok cluster,
# with the operator's admission webhooks on (part of every write now).
# Reports the time until every child exists and every status is current, the
# API writes per Run, the writes in an idle window after everything settled,
# the admission reviews per Run (API server's metrics) and the operator's
# peak memory. Then the admission phase (test/bench/admission):
# ADMISSION_ROUNDS rounds of ADMISSION_N Runs created one by one with the
# webhooks on and ADMISSION_N with them off (order alternating: on off,
# off on, ...), the pooled median and p99 create latency of both states,
# their ratios, each round's ratios and their median, and where the
# webhooks' time goes. Prints both tables and writes them to
# bin/bench-scale.txt.
#   K8S_BIN=$(hack/control-plane.sh) WEIR=bin/weir hack/bench-scale.sh
# The API server keeps an audit log of writes (metadata only), from which the
# operator's writes are counted by resource and verb (its user agent).
# Environment: N (1000; 0 skips the scale phase, for the admission phase
# alone), BENCH_NS (bench), IDLE (30s), TIMEOUT (15m),
# WORKERS (16), ADMISSION_N (100 per phase; 0 skips the admission phase),
# ADMISSION_ROUNDS (6: six rounds of 100 swung the p99 ratio less than
# three of 200; docs/performance.md),
# ADMISSION_NS (bench-admission), BENCH_CLUSTER (weir-bench),
# BENCH_OUT (bin/bench-scale.txt; the operator's log goes beside it),
# MANAGER_ARGS (extra `weir manager` flags), WEBHOOKS=0 to measure the
# reconciler alone (no admission webhooks, as the upstream comparison in
# docs/performance.md runs), KEEP_CLUSTER=1 to leave it up.
# The cluster and the operator are torn down on exit, whatever happens.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
K8S_BIN=${K8S_BIN:-$(hack/control-plane.sh)}
WEIR=${WEIR:-$root/bin/weir}
N=${N:-1000}
BENCH_NS=${BENCH_NS:-bench}
IDLE=${IDLE:-30s}
TIMEOUT=${TIMEOUT:-15m}
WORKERS=${WORKERS:-16}
ADMISSION_N=${ADMISSION_N:-100}
ADMISSION_ROUNDS=${ADMISSION_ROUNDS:-6}
ADMISSION_NS=${ADMISSION_NS:-bench-admission}
cluster=${BENCH_CLUSTER:-weir-bench}
out=${BENCH_OUT:-$root/bin/bench-scale.txt}
log=${out%.txt}-manager.log
export K8S_BIN PATH="$K8S_BIN:$PATH"

[ -x "$WEIR" ] || { echo "no operator binary at $WEIR: run 'make build'" >&2; exit 1; }
mkdir -p "$root/bin" "$(dirname "$out")" # the operator's log goes beside BENCH_OUT

. "$root/hack/lib/bench.sh"

rm -f "$out.rc"
echo "building the measuring programs" >&2
[ "$N" = 0 ] || go build -o "$root/bin/bench-scale" ./test/bench/scale
go build -o "$root/bin/bench-admission" ./test/bench/admission

echo "starting kwok cluster $cluster" >&2
write_audit_policy "$tmp/audit-policy.yaml"
audit="$root/.cache/kwok/clusters/$cluster/logs/audit.log"
KUBECONFIG=$(KWOK_KUBE_AUDIT_POLICY="$tmp/audit-policy.yaml" hack/cluster.sh up "$cluster")
export KUBECONFIG
kubectl apply --server-side -f config/crd/bases/ >&2
kubectl wait --for condition=Established --timeout 60s -f config/crd/bases/ >&2

webhooks="webhooks on"
if [ "${WEBHOOKS:-1}" = 0 ]; then
  # shellcheck disable=SC2086 # MANAGER_ARGS is a list of flags
  start_operator --webhooks=false ${MANAGER_ARGS:-}
  kubectl delete validatingwebhookconfiguration weir-local-validating >&2
  kubectl delete mutatingwebhookconfiguration weir-local-mutating >&2
  webhooks="webhooks off"
  ADMISSION_N=0 # nothing to compare
else
  # shellcheck disable=SC2086
  start_operator ${MANAGER_ARGS:-}
fi

# admission_reviews N prints the admission reviews the API server sent to the
# webhooks (apiserver_admission_webhook_admission_duration_seconds_count, by
# operation) per Run, and the requests the webhooks' matchConditions kept
# from them (apiserver_admission_match_condition_exclusions_total): the
# scale phase's creates and the operator's writes, from the cluster's start.
admission_reviews() {
  kubectl get --raw /metrics | awk -v n="$1" -F'[{}]' '
    function label(k,   i, m, kv, p) {
      m = split($2, kv, ",")
      for (i = 1; i <= m; i++) { split(kv[i], p, "="); if (p[1] == k) { gsub(/"/, "", p[2]); return p[2] } }
      return ""
    }
    /^apiserver_admission_webhook_admission_duration_seconds_count\{/ { r[label("operation")] += $3; total += $3 }
    /^apiserver_admission_match_condition_exclusions_total\{/ { skipped += $3 }
    END {
      printf "%-42s%.2f (CREATE %d, UPDATE %d, DELETE %d; skipped by matchConditions %d)\n",
        "admission reviews per Run, to settle", total / n, r["CREATE"], r["UPDATE"], r["DELETE"], skipped
    }'
}

rc=0
: >"$out"
[ "$N" = 0 ] || {
  "$root/bin/bench-scale" -n "$N" -namespace "$BENCH_NS" -workers "$WORKERS" \
    -metrics "http://127.0.0.1:$metrics_port/metrics" -pid "$weir_pid" \
    -idle "$IDLE" -timeout "$TIMEOUT" -log "$log" | tee "$tmp/scale.txt" || echo "$?" >"$out.rc"
  echo
  echo "Runs by phase (kubectl):"
  kubectl get runs.runs.marmotdata.io -n "$BENCH_NS" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' |
    sort | uniq -c | awk '{printf "  %-10s %s\n", $2, $1}'
  [ "$webhooks" = "webhooks off" ] || admission_reviews "$N"
  if [ -s "$audit" ]; then
    echo
    audit_summary "$audit" "$(awk -F'  +' '/^time to converge/ {print $2+0}' "$tmp/scale.txt")" "$N" bench-scale runs Run
  fi
} | tee "$out"
echo "environment: $(nproc) cores, $("$K8S_BIN/kube-apiserver" --version 2>/dev/null), weir $("$WEIR" version), $webhooks" | tee -a "$out"
if [ -s "$out.rc" ]; then rc=$(cat "$out.rc"); fi
rm -f "$out.rc"

# The admission phase: what the webhooks add to a create, on vs off, in
# alternating rounds. It deletes and restores the webhook configurations
# itself.
[ "$ADMISSION_N" = 0 ] || {
echo >&2
{
  echo
  "$root/bin/bench-admission" -n "$ADMISSION_N" -rounds "$ADMISSION_ROUNDS" -namespace "$ADMISSION_NS" \
    -metrics "http://127.0.0.1:$metrics_port/metrics" \
    -validating-webhook-configuration weir-local-validating -mutating-webhook-configuration weir-local-mutating || echo "$?" >"$out.rc"
} | tee -a "$out"
}
echo "written to $out" >&2
if [ "$rc" = 0 ] && [ -s "$out.rc" ]; then rc=$(cat "$out.rc"); fi
rm -f "$out.rc"
exit "$rc"
