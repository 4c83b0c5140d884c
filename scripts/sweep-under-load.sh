#!/usr/bin/env bash
# Partner latency while a retention sweep runs, in one run on one machine:
#   1. a release build and a store of CASES synthetic cases, EXPIRED of them closed over ten years ago
#      (made once in a scratch folder and kept: a million cases take some minutes);
#   2. the gateway in the background; a partner view load with no sweep (the baseline);
#   3. the same load again, with an admin starting a sweep through the API two seconds in;
#      the load runs until the sweep has finished;
# then the two p99s side by side and the sweep's own figures.
#
#   scripts/sweep-under-load.sh                        # 1,000,000 cases, 100,000 expired, 64 connections
#   CASES=100000 EXPIRED=10000 scripts/sweep-under-load.sh
#   CASEGATE_BIN=/tmp/casegate-before scripts/sweep-under-load.sh    # another build (no build here)
# A second run needs the expired cases again: it rebuilds the store when the last sweep emptied it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-gateway.sh

CASES=${CASES:-1000000}
EXPIRED=${EXPIRED:-100000}
CONNECTIONS=${CONNECTIONS:-64}
BASELINE=${BASELINE:-15}
PARTNER_PORT=${PARTNER_PORT:-18543}
STAFF_PORT=${STAFF_PORT:-18544}
WORK=${BENCH_DIR:-.build-bench-sweep}

bin=$(release_binary)
marker="$WORK/data/.expired-cases-present"
if [ ! -f "$marker" ]; then
  rm -rf "$WORK/data"
  mkdir -p "$WORK"
  echo "making $CASES cases ($EXPIRED expired); this is not measured" >&2
  "$bin" demo --data-dir "$WORK/data" --certs-dir "$WORK/certs" --cases "$CASES" --expired-cases "$EXPIRED" --setup-only >/dev/null
  touch "$marker"
fi
args=(--data-dir "$WORK/data" --certs-dir "$WORK/certs" --partner-port "$PARTNER_PORT" --staff-port "$STAFF_PORT")
start_demo_gateway "$bin" "$WORK" "$STAFF_PORT" "${args[@]}" --partner-rate-limit off
token=$(jq -r '.admin' "$WORK/data/demo-tokens.json")
staff() { curl -sf --cacert "$WORK/certs/ca.pem" -H "Authorization: Bearer $token" "$@"; }
load_args=(loadtest --url "https://localhost:$PARTNER_PORT" --certs-dir "$WORK/certs" --endpoint view
  --connections "$CONNECTIONS" --warmup 2 --json)

echo "machine: $(nproc) cores, $(uname -sr); $CASES cases, $EXPIRED expired; $CONNECTIONS partner connections"
baseline=$("$bin" "${load_args[@]}" --duration "$BASELINE")
echo "baseline: $baseline"

# The sweep's length is not known in advance: load for long enough, then stop the load when it ends.
# Started directly so that $! is the load generator itself, which reports on SIGTERM.
"$bin" "${load_args[@]}" --duration 600 >"$WORK/during.json" &
loader=$!
sleep 4
started=$(date +%s.%N)
sweep=$(staff -X POST -H 'Content-Type: application/json' -d '{"dry_run": false}' "https://localhost:$STAFF_PORT/v1/retention/sweeps" | jq -r '.id')
while [ "$(staff "https://localhost:$STAFF_PORT/v1/retention/sweeps/$sweep" | jq -r '.state')" = "running" ]; do sleep 0.5; done
finished=$(date +%s.%N)
kill -TERM $loader
wait $loader || true
rm -f "$marker"
during=$(cat "$WORK/during.json")
echo "during:   $during"
summary=$(staff "https://localhost:$STAFF_PORT/v1/retention/sweeps/$sweep" | jq -c '{state, purged: .summary.purged, examined: .summary.examined}')

printf '\nsweep    %s in %.1f s (wall clock, API start to finished state)\n' "$summary" "$(echo "$finished - $started" | bc)"
printf 'p99      %6.2f ms without a sweep, %6.2f ms during it\n' "$(jq '.latency_ms.p99' <<<"$baseline")" "$(jq '.latency_ms.p99' <<<"$during")"
printf 'p50      %6.2f ms without a sweep, %6.2f ms during it\n' "$(jq '.latency_ms.p50' <<<"$baseline")" "$(jq '.latency_ms.p50' <<<"$during")"
printf 'views    %8.0f /s without, %8.0f /s during; 404s during (cases purged under the load): %s\n' \
  "$(jq '.throughput' <<<"$baseline")" "$(jq '.throughput' <<<"$during")" "$(jq '.errors_by_status["404"] // 0' <<<"$during")"
