#!/usr/bin/env bash
# Heap allocations per request: the gateway's `malloc` calls, counted by a perf uprobe on the C library's
# malloc over a window in the middle of an open-loop load, for each endpoint. Every Swift object, array,
# string and dictionary is one; what a view allocates beyond a ping is the disclosure path's own.
# The view cache is warmed first (a closed-loop view load), so a view counts as one served from it, as
# most are in steady use; COLD=1 runs the gateway without a view cache, so every view is built from the store.
#
#   scripts/bench-allocations.sh              # ping and view at 1,000 a second, on .build-bench (made by scripts/bench.sh)
#   RATE=4000 ENDPOINTS=view scripts/bench-allocations.sh
#   CASEGATE_BIN=/tmp/casegate-before scripts/bench-allocations.sh   # another build (no build here)
# Needs perf and the right to add a uprobe (root); the probe is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-gateway.sh

ENDPOINTS=${ENDPOINTS:-ping view}
RATE=${RATE:-1000}
CASES=${CASES:-10000}
PARTNER=${PARTNER:-met-police}
WINDOW=${WINDOW:-4}
COLD=${COLD:-}
WORK=${BENCH_DIR:-.build-bench}
server_args=()

bin=$(release_binary)
libc=$(ldd "$bin" | awk '$1 == "libc.so.6" { print $3 }')
perf probe -q -x "$libc" --add casegate_malloc=malloc
DEMO_GATEWAY_CLEANUP="perf probe -q --del 'probe_libc:casegate_malloc' || true"
mkdir -p "$WORK"
if [ -n "$COLD" ]; then server_args+=(--view-cache-mb 0); fi
start_demo_gateway "$bin" "$WORK" 18444 "${server_args[@]}" --data-dir "$WORK/data" --certs-dir "$WORK/certs" \
  --partner-port 18443 --staff-port 18444 --cases "$CASES" --partner-rate-limit off
server=$demo_gateway_pid
load() {
  "$bin" loadtest --url https://localhost:18443 --certs-dir "$WORK/certs" --partner "$PARTNER" --json "$@"
}
if [ -z "$COLD" ]; then load --endpoint view --connections 64 --duration 6 --warmup 1 >/dev/null; fi

for endpoint in $ENDPOINTS; do
  load --endpoint "$endpoint" --rate "$RATE" --duration $((WINDOW + 5)) --warmup 1 >"$WORK/allocations-$endpoint.json" &
  loader=$!
  sleep 3
  perf stat -x, -e probe_libc:casegate_malloc -p "$server" -- sleep "$WINDOW" 2>"$WORK/allocations-$endpoint.perf"
  wait "$loader"
  calls=$(awk -F, '/casegate_malloc/ { print $1 }' "$WORK/allocations-$endpoint.perf")
  ok=$(jq '.ok' "$WORK/allocations-$endpoint.json")
  awk -v e="$endpoint" -v c="$calls" -v r="$RATE" -v w="$WINDOW" -v ok="$ok" \
    'BEGIN { printf "%-5s %d mallocs in %d s at %d a second: %.0f a request (%d requests answered)\n", e, c, w, r, c / (r * w), ok }'
done
