#!/usr/bin/env bash
# What metrics cost on the disclosure path: the same view load against the same data with the metrics
# listener on (every request counted and timed) and off (swift-metrics left unbootstrapped: no-op
# handles), alternating ROUNDS times in one run; each "off" run is the baseline for the "on" run after it.
#
#   CASES=14300 DURATION=15 ROUNDS=3 scripts/bench-metrics.sh
#   CASEGATE_BIN=/tmp/casegate-before scripts/bench-metrics.sh   # another build (no build here)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-gateway.sh
CASES=${CASES:-10000}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
PARTNER_PORT=${PARTNER_PORT:-18443}
STAFF_PORT=${STAFF_PORT:-18444}
METRICS_PORT=${METRICS_PORT:-18445}
WORK=${BENCH_DIR:-.build-bench}

bin=$(release_binary --static-swift-stdlib)
mkdir -p "$WORK"
args=(--data-dir "$WORK/data" --certs-dir "$WORK/certs" --partner-port "$PARTNER_PORT" --staff-port "$STAFF_PORT" --cases "$CASES"
  --partner-rate-limit off)
"$bin" demo "${args[@]}" --setup-only >/dev/null

run() {  # run METRICS_PORT_OR_OFF: start a gateway, one view load, stop it; prints the load's JSON
  "$bin" demo "${args[@]}" --metrics-port "$1" >/dev/null 2>"$WORK/gateway.log" &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf --cacert "$WORK/certs/ca.pem" "https://localhost:$STAFF_PORT/readyz" >/dev/null && break; sleep 0.2; done
  "$bin" loadtest --url "https://localhost:$PARTNER_PORT" --certs-dir "$WORK/certs" --connections "$CONNECTIONS" --duration "$DURATION" \
    --endpoint view --json
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "machine: $(nproc) cores; $CASES cases, $CONNECTIONS connections, ${DURATION} s per run, $ROUNDS rounds"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  off=$(run off)
  on=$(run "$METRICS_PORT")
  off_rps=$(jq '.throughput' <<<"$off")
  on_rps=$(jq '.throughput' <<<"$on")
  ratio=$(jq -n "$on_rps / $off_rps")
  ratios+=("$ratio")
  printf 'round %d  metrics off %6.0f views/s p99 %6.2f ms   on %6.0f views/s p99 %6.2f ms   on/off %.3f\n' "$round" \
    "$off_rps" "$(jq '.latency_ms.p99' <<<"$off")" "$on_rps" "$(jq '.latency_ms.p99' <<<"$on")" "$ratio"
done
printf 'on/off   %.3f median of %d rounds\n' \
  "$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')" "$ROUNDS"
