#!/usr/bin/env bash
# CPU per request: the gateway's and the load generator's (and PostgreSQL's, on that backend), for each
# endpoint, from /proc/<pid>/stat over a window in the middle of a load, and the bytes each request had
# written (the gateway's write_bytes; PostgreSQL's write-ahead log). The view/ping difference is what
# the disclosure path costs the gateway, without the load generator's share that end-to-end ratios include.
#
#   scripts/bench-cpu.sh                     # ping and view, 64 connections, on .build-bench (made by scripts/bench.sh)
#   ENDPOINTS=view CONNECTIONS=8 scripts/bench-cpu.sh
#   RATE=4000 scripts/bench-cpu.sh           # open loop at 4,000 requests a second instead of closed loop
#   CASEGATE_BIN=/tmp/casegate-before scripts/bench-cpu.sh   # another build (no build here), to compare two
#   BACKEND=postgres scripts/bench-cpu.sh    # a throwaway PostgreSQL on loopback, a fresh data set; its CPU, log
#                                            # bytes, statements run and plans made a request too
#   COLD=1 scripts/bench-cpu.sh              # no view cache: every view built from the store (a case read, its
#                                            # key, the view), as for a partner that never asks for a case twice
# Context switches a request, like statements and plans, are counts: steadier than CPU time through the VM's swings,
# though batching (and so the count) still follows the load.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/demo-gateway.sh

ENDPOINTS=${ENDPOINTS:-ping view}
CONNECTIONS=${CONNECTIONS:-64}
CASES=${CASES:-10000}
PARTNER=${PARTNER:-met-police}
BACKEND=${BACKEND:-sqlite}
WINDOW=${WINDOW:-5}
RATE=${RATE:-}
COLD=${COLD:-}
rate_args=()
if [ -n "$RATE" ]; then rate_args=(--rate "$RATE"); fi

bin=$(release_binary)
# On PostgreSQL, pg_stat_statements counts the plans the server makes: a statement sent unprepared is planned
# on every call (decision 0030). Its own small cost is in the server's CPU figure.
if [ "$BACKEND" = postgres ]; then
  POSTGRES_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on ${POSTGRES_OPTIONS:-}"
fi
bench_backend .build-bench .build-bench-cpu-postgres "${BENCH_POSTGRES_PORT:-26632}"
mkdir -p "$WORK"
if [ -n "$COLD" ]; then server_args+=(--view-cache-mb 0); fi
start_demo_gateway "$bin" "$WORK" 18444 "${server_args[@]}" --data-dir "$WORK/data" --certs-dir "$WORK/certs" \
  --partner-port 18443 --staff-port 18444 --cases "$CASES" --partner-rate-limit off
server=$demo_gateway_pid
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Context switches of the gateway's threads so far (voluntary and not): each is a thread put to sleep or
# preempted, and a hand-off between threads usually costs one. Threads that exit meanwhile drop out.
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'; }
# Bytes the gateway's process had the kernel write to storage (its log and, on SQLite, the database).
written() { awk '/^write_bytes/ { print $2 }' "/proc/$1/io"; }
psql_value() { "$(pg_bin)/psql" -h 127.0.0.1 -p "${BENCH_POSTGRES_PORT:-26632}" -U casegate -d casegate_test -At -c "$1"; }
# The PostgreSQL server's write-ahead log position in bytes (0 on SQLite).
wal_position() {
  [ "$BACKEND" = postgres ] || { echo 0; return; }
  psql_value "SELECT pg_current_wal_lsn() - '0/0'"
}
# A sum over the gateway's statements on the PostgreSQL server (0 on SQLite): `plans` made, or `calls` run
# (each a round trip).
gateway_statements() {
  [ "$BACKEND" = postgres ] || { echo 0; return; }
  psql_value "SELECT COALESCE(sum($1), 0) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_lsn%'"
}
if [ "$BACKEND" = postgres ]; then psql_value "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null; fi
# The PostgreSQL server's processes: the postmaster and its children (0 on SQLite).
database_ticks() {
  [ "$BACKEND" = postgres ] || { echo 0; return; }
  local postmaster total=0 pid
  postmaster=$(head -1 "$PG_DIR/data/postmaster.pid")
  for pid in "$postmaster" $(pgrep -P "$postmaster"); do total=$((total + $(ticks "$pid" 2>/dev/null || echo 0))); done
  echo "$total"
}

# A fixed piece of work timed on the idle machine after each load: SHA-256 over 16 KiB on one core
# (`openssl speed`), in µs. The VM's speed drifts by a third within minutes; a request's CPU set against
# this cancels the drift, and unlike a ping's CPU no change to the gateway moves it (decision 0036).
reference_us() {
  openssl speed -seconds 1 -bytes 16384 -evp sha256 2>/dev/null |
    awk '$1 == "sha256" { v = $NF; sub(/k$/, "", v); if (v > 0) printf "%.2f", 16384 / (v * 1000) * 1e6 }'
}

for endpoint in $ENDPOINTS; do
  "$bin" loadtest --url https://localhost:18443 --certs-dir "$WORK/certs" --partner "$PARTNER" \
    --connections "$CONNECTIONS" "${rate_args[@]}" --duration $((WINDOW + 6)) --warmup 2 --json --endpoint "$endpoint" >"$WORK/cpu-$endpoint.json" &
  load=$!
  sleep 4
  s0=$(ticks "$server"); x0=$(switches "$server"); c0=$(ticks "$load"); d0=$(database_ticks); w0=$(written "$server"); l0=$(wal_position); p0=$(gateway_statements plans); r0=$(gateway_statements calls); t0=$(date +%s.%N)
  sleep "$WINDOW"
  s1=$(ticks "$server"); x1=$(switches "$server"); c1=$(ticks "$load"); d1=$(database_ticks); w1=$(written "$server"); l1=$(wal_position); p1=$(gateway_statements plans); r1=$(gateway_statements calls); t1=$(date +%s.%N)
  wait "$load"
  rps=$(jq '.throughput' "$WORK/cpu-$endpoint.json")
  awk -v e="$endpoint" -v rps="$rps" -v s="$((s1 - s0))" -v c="$((c1 - c0))" -v d="$((d1 - d0))" -v db="$BACKEND" \
    -v x="$((x1 - x0))" -v w="$((w1 - w0))" -v l="$((l1 - l0))" -v p="$((p1 - p0))" -v r="$((r1 - r0))" -v hz="$hz" -v t0="$t0" -v t1="$t1" 'BEGIN {
    secs = t1 - t0; sc = s / hz / secs; cc = c / hz / secs; dc = d / hz / secs
    printf "%-5s %8.0f req/s   gateway %.2f cores, %4.0f µs a request   load generator %.2f cores, %4.0f µs a request",
      e, rps, sc, sc / rps * 1e6, cc, cc / rps * 1e6
    if (db == "postgres") printf "   postgresql %.2f cores, %4.0f µs a request", dc, dc / rps * 1e6
    printf "   gateway wrote %.1f KB and switched threads %.1f times a request", w / secs / rps / 1000, x / secs / rps
    if (db == "postgres") printf ", postgresql logged %.0f bytes, ran %.2f statements and made %.2f plans a request", l / secs / rps, r / secs / rps, p / secs / rps
    printf "\n" }' | tee "$WORK/cpu-$endpoint.txt"
  reference=$(reference_us)
  if [ -n "$reference" ]; then
    awk -v e="$endpoint" -v r="$reference" '{ printf "%-5s gateway CPU a request: %.1f times SHA-256 over 16 KiB (%s µs, openssl speed, just after)\n", e, $7 / r, r }' \
      "$WORK/cpu-$endpoint.txt"
  fi
done

# The proposed target's figure (docs/performance.md): what a view adds to a ping, in gateway CPU.
if [[ " $ENDPOINTS " == *" ping "* && " $ENDPOINTS " == *" view "* ]]; then
  ping_us=$(awk '{ print $7 }' "$WORK/cpu-ping.txt")
  view_us=$(awk '{ print $7 }' "$WORK/cpu-view.txt")
  mode="closed loop, $CONNECTIONS connections"
  if [ -n "$RATE" ]; then mode="open loop, $RATE a second"; fi
  if [ -n "$COLD" ]; then mode="$mode, no view cache"; fi
  echo "a view's extra gateway CPU over a ping's: $((view_us - ping_us)) µs ($mode)"
  if [ "$BACKEND" = postgres ]; then
    database_us() { awk '{ for (i = 1; i <= NF; i++) if ($i == "postgresql" && $(i + 2) == "cores,") print $(i + 3) }' "$WORK/cpu-$1.txt"; }
    echo "with PostgreSQL's: $((view_us + $(database_us view) - ping_us - $(database_us ping))) µs"
  fi
fi
