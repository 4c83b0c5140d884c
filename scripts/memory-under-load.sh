#!/usr/bin/env bash
# The gateway's resident memory under a long open-loop load: the bench data set (as scripts/bench.sh), then
# `casegate loadtest --endpoint view --rate RATE --duration DURATION`, sampling the gateway's RSS from /proc
# every INTERVAL seconds (the load generator's beside it: a client that grows takes the machine's memory and
# makes the gateway's figure meaningless). Prints the samples, and the gateway's first and last full minutes'
# means and their ratio: flat memory is a ratio near 1 with no upward trend in the samples. The summary also
# has the host's stolen CPU and the ledger's commits over the run (from the gateway's metrics listener), so a
# latency figure from a long run can be told apart: the host's, the disk's, or the gateway's.
#
#   scripts/memory-under-load.sh                       # 4,000 views a second for 10 minutes
#   RATE=2000 DURATION=120 scripts/memory-under-load.sh
#   CASEGATE_BIN=/tmp/casegate-before scripts/memory-under-load.sh   # another build (no build here)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-gateway.sh

CASES=${CASES:-10000}
RATE=${RATE:-4000}
DURATION=${DURATION:-600}
INTERVAL=${INTERVAL:-10}
PARTNER_PORT=${PARTNER_PORT:-18473}
STAFF_PORT=${STAFF_PORT:-18474}
METRICS_PORT=${METRICS_PORT:-18475}
WORK=${BENCH_DIR:-.build-bench}

bin=$(release_binary)
start_demo_gateway "$bin" "$WORK" "$STAFF_PORT" --data-dir "$WORK/data" --certs-dir "$WORK/certs" --partner-port "$PARTNER_PORT" \
  --staff-port "$STAFF_PORT" --cases "$CASES" --partner-rate-limit off --metrics-port "$METRICS_PORT"
rss_mib() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

samples=$(mktemp)
echo "at start: $(rss_mib "$demo_gateway_pid") MiB; $RATE views a second for $DURATION s; every $INTERVAL s: seconds, gateway MiB, load generator MiB" >&2
"$bin" loadtest --url "https://localhost:$PARTNER_PORT" --certs-dir "$WORK/certs" --endpoint view --rate "$RATE" \
  --duration "$DURATION" --warmup 5 --metrics-url "http://127.0.0.1:$METRICS_PORT/metrics" --json >"$samples.load" &
load=$!
elapsed=0
while kill -0 "$load" 2>/dev/null; do
  sleep "$INTERVAL"
  elapsed=$((elapsed + INTERVAL))
  echo "$elapsed $(rss_mib "$demo_gateway_pid") $(rss_mib "$load")" | tee -a "$samples" >&2
done
wait "$load"
jq -c '{throughput, errors, latency_ms, receipts: .receipts.passed, host_cpu, ledger_commits}' "$samples.load"
per_minute=$((60 / INTERVAL))
awk -v n="$per_minute" '{ v[NR] = $2 } END {
  for (i = 1; i <= n && i <= NR; i++) first += v[i]; first /= (n < NR ? n : NR)
  for (i = NR - n + 1; i <= NR; i++) if (i > 0) { last += v[i]; k++ } last /= k
  for (i = 1; i <= NR; i++) if (v[i] > max) max = v[i]
  printf "first minute %.1f MiB, last minute %.1f MiB, ratio %.2f, highest %.1f MiB\n", first, last, last / first, max
}' "$samples"
rm -f "$samples" "$samples.load"
