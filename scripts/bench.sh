#!/usr/bin/env bash
# The disclosure path against its own stack, in one run on one machine:
#   1. a release build and a demo data set (CASES synthetic cases, dev certificates) in a scratch folder;
#   2. the gateway, on the embedded SQLite store, in the background (access logs to a file, as in production);
#   3. `casegate loadtest --endpoint ping` (TLS + client certificate + identity, no case work): the baseline;
#   4. `casegate loadtest --endpoint view` (the full disclosure path, durable ledger entry before each response);
#   5. `casegate loadtest --endpoint list` (one partner's bulk pull of every admitted case);
# then the ratio full/ping and the gateway's resident memory before and after the view load.
#
#   scripts/bench.sh                      # 10,000 cases, 64 connections, 20 s per run
#   DURATION=600 scripts/bench.sh         # the 10-minute soak: RSS at start and end of the view load
#   CASES=20000 CONNECTIONS=32 scripts/bench.sh
# The data set in .build-bench/ is kept between runs (ledger included); remove the folder to start over.
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=${CASES:-10000}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
PARTNER=${PARTNER:-met-police}
PARTNER_PORT=${PARTNER_PORT:-18443}
STAFF_PORT=${STAFF_PORT:-18444}
WORK=${BENCH_DIR:-.build-bench}
DATABASE_URL=${DATABASE_URL:-}

swift build -c release --product casegate >&2
bin=.build/release/casegate
mkdir -p "$WORK"
server_args=(--data-dir "$WORK/data" --certs-dir "$WORK/certs" --partner-port "$PARTNER_PORT" --staff-port "$STAFF_PORT")
if [ -n "$DATABASE_URL" ]; then server_args+=(--database-url "$DATABASE_URL"); fi
source scripts/demo-gateway.sh
start_demo_gateway "$bin" "$WORK" "$STAFF_PORT" "${server_args[@]}" --cases "$CASES" --partner-rate-limit off
server=$demo_gateway_pid

rss() { awk '/VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$server/status"; }
load() {
  "$bin" loadtest --url "https://localhost:$PARTNER_PORT" --certs-dir "$WORK/certs" --partner "$PARTNER" \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --json "$@"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "data:    $CASES synthetic cases, partner $PARTNER, $CONNECTIONS connections, ${DURATION} s per run, store $([ -n "$DATABASE_URL" ] && echo postgresql || echo sqlite)"
ping=$(load --endpoint ping)
echo "ping:    $ping"
rss_before=$(rss)
view=$(load --endpoint view)
rss_after=$(rss)
echo "view:    $view"
list=$("$bin" loadtest --url "https://localhost:$PARTNER_PORT" --certs-dir "$WORK/certs" --partner "$PARTNER" --endpoint list --json)
echo "list:    $list"

ping_rps=$(jq '.throughput' <<<"$ping")
view_rps=$(jq '.throughput' <<<"$view")
printf '\nping     %8.0f req/s   p99 %6.2f ms\n' "$ping_rps" "$(jq '.latency_ms.p99' <<<"$ping")"
printf 'view     %8.0f req/s   p99 %6.2f ms   receipts %s\n' "$view_rps" "$(jq '.latency_ms.p99' <<<"$view")" "$(jq -r 'if .receipts.passed then "all distinct, in tree, sampled proofs verify" else "FAILED" end' <<<"$view")"
printf 'ratio    %8.2f (view / ping throughput)\n' "$(jq -n "$view_rps / $ping_rps")"
printf 'list     %8d views in %.2f s\n' "$(jq '.views' <<<"$list")" "$(jq '.seconds' <<<"$list")"
echo "rss      $rss_before before the view load, $rss_after after"
