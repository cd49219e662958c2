# Shared by the scale benchmarks (hack/bench-scale.sh, hack/bench-workspaces.sh):
# free ports, clean-up of the operator and the cluster, and the operator
# started as a local process with its webhooks by URL on localhost (the
# kwok API server runs on this host). Source it after setting root, WEIR,
# cluster and log; it sets tmp, weir_pid, metrics_port and health_port.

# A free local port, starting from $1.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

weir_pid=
tmp=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-XXXXXX")
bench_cleanup() {
  local rc=$?
  if [ -n "$weir_pid" ] && kill -0 "$weir_pid" 2>/dev/null; then
    kill "$weir_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$weir_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$weir_pid" 2>/dev/null || true
  fi
  if [ "${KEEP_CLUSTER:-}" = 1 ]; then
    echo "cluster $cluster kept: KUBECONFIG=${KUBECONFIG:-}" >&2
  else
    "$root/hack/cluster.sh" down "$cluster" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# start_operator installs the local webhook configurations on a free port
# and starts the operator (extra manager flags in "$@"), then waits until
# /readyz (which includes the webhook server, up once its certificate is
# written) answers and the controllers run.
start_operator() {
  metrics_port=$(free_port 18480)
  health_port=$(free_port $((metrics_port + 1)))
  local webhook_port
  webhook_port=$(free_port 19443)
  echo "installing the webhook configurations (https://localhost:$webhook_port)" >&2
  kubectl create namespace weir-system --dry-run=client -o yaml | kubectl apply -f - >&2
  mkdir -p "$tmp/webhook" "$tmp/certs"
  for f in "$root"/config/webhook/local/*.yaml; do
    sed "s#https://localhost:9443/#https://localhost:$webhook_port/#" "$f" >"$tmp/webhook/$(basename "$f")"
  done
  kubectl apply --server-side -f "$tmp/webhook/" >&2
  echo "starting the operator (metrics :$metrics_port, probes :$health_port, webhooks :$webhook_port, log $log)" >&2
  "$WEIR" manager \
    --metrics-bind-address="127.0.0.1:$metrics_port" --metrics-secure=false \
    --health-probe-bind-address="127.0.0.1:$health_port" \
    --access-bind-address=0 \
    --webhook-host=127.0.0.1 --webhook-port="$webhook_port" \
    --webhook-cert-dir="$tmp/certs" --webhook-certs=self-signed \
    --webhook-secret=weir-system/weir-local-webhook-cert --webhook-dns-name=localhost \
    --validating-webhook-configuration=weir-local-validating --mutating-webhook-configuration=weir-local-mutating \
    --image=ghcr.io/weir-dev/weir:bench \
    --marmot-url=http://marmot:8080 "$@" >"$log" 2>&1 &
  weir_pid=$!
  local ready=
  for _ in $(seq 120); do
    kill -0 "$weir_pid" 2>/dev/null || { echo "the operator exited:" >&2; tail -20 "$log" >&2; exit 1; }
    if curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1 &&
      grep -q 'Starting workers' "$log"; then
      ready=1; break
    fi
    sleep 0.5
  done
  [ -n "$ready" ] || { echo "the operator did not become ready:" >&2; tail -20 "$log" >&2; exit 1; }
}

# audit_summary AUDIT_LOG CONVERGED_S N START_AGENT START_RESOURCE UNIT
# prints the operator's writes (user agent: the binary's name) from the
# audit log by resource and verb, per UNIT (N of them): counted from the
# benchmark's first create of START_RESOURCE (by START_AGENT), until
# CONVERGED_S seconds later (converged) and until the end (the idle window
# included).
audit_summary() {
  jq -rs --argjson conv "${2:-0}" --argjson n "$3" --arg ua "$(basename "$WEIR")/" \
    --arg agent "$4" --arg resource "$5" --arg unit "per $6" '
    def ts: (.[0:19] + "Z" | fromdate) + (.[19:-1] | if . == "" then 0 else ("0" + . | tonumber) end);
    map(select(.stage == "ResponseComplete")) as $all
    | ([$all[] | select((.userAgent | startswith($agent)) and .objectRef.resource == $resource and .verb == "create")
        | .requestReceivedTimestamp | ts] | min) as $start
    | [$all[] | select((.userAgent | startswith($ua)) and (.requestReceivedTimestamp | ts) >= $start)
        | {k: ((.objectRef.resource // "?") + (if .objectRef.subresource then "/" + .objectRef.subresource else "" end) + " " + .verb
               + (if (.responseStatus.code // 0) >= 400 then " (" + (.responseStatus.code | tostring) + ")" else "" end)),
           conv: ((.requestReceivedTimestamp | ts) - $start <= $conv)}]
    | group_by(.k)
    | (["Operator writes (audit log)", "to converge", $unit, "to the end", $unit] | @tsv),
      (.[] | [.[0].k, ([.[] | select(.conv)] | length), (([.[] | select(.conv)] | length) / $n * 100 | round / 100),
              length, (length / $n * 100 | round / 100)] | @tsv),
      (["total", ([.[][] | select(.conv)] | length), (([.[][] | select(.conv)] | length) / $n * 100 | round / 100),
        ([.[][]] | length), (([.[][]] | length) / $n * 100 | round / 100)] | @tsv)
  ' "$1" | column -t -s $'\t'
}

# write_audit_policy FILE writes the API server's audit policy the scale
# benchmarks count the operator's writes with: writes only, metadata level
# (who wrote what, not the objects).
write_audit_policy() {
  cat >"$1" <<'POLICY'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create, update, patch, delete, deletecollection]
- level: None
POLICY
}
