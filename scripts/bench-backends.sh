#!/usr/bin/env bash
# The disclosure load benchmark (scripts/bench.sh) against both stores, one after the other, with the same
# load: first the embedded SQLite store, then PostgreSQL (a throwaway server on loopback, on the same
# machine, so it shares the cores with the gateway and the load generator). Prints them side by side.
#
#   scripts/bench-backends.sh                     # 10,000 cases, 64 connections, 20 s per run
#   CASES=5000 DURATION=10 scripts/bench-backends.sh
#   STORES=postgres scripts/bench-backends.sh     # one store only (CASEGATE_BIN as in scripts/bench.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

results=$(mktemp -d)
PG_DIR="$(mktemp -d /tmp/casegate-bench-pg.XXXXXX)"
trap 'stop_test_postgres "$PG_DIR"; rm -rf "$PG_DIR" "$results"' EXIT

STORES=${STORES:-sqlite postgres}
touch "$results/sqlite" "$results/postgres"
if [[ " $STORES " == *" sqlite "* ]]; then
  echo "== SQLite ==" >&2
  BENCH_DIR=.build-bench-sqlite scripts/bench.sh | tee "$results/sqlite"
fi

if [[ " $STORES " == *" postgres "* ]]; then
  start_test_postgres "$PG_DIR" "${BENCH_POSTGRES_PORT:-26432}"
  rm -rf .build-bench-postgres  # a new server: a new data set (the master key must match the database)
  echo "== PostgreSQL ($CASEGATE_TEST_POSTGRES_URL) ==" >&2
  BENCH_DIR=.build-bench-postgres DATABASE_URL="$CASEGATE_TEST_POSTGRES_URL" PARTNER_PORT=18453 STAFF_PORT=18454 METRICS_PORT=18455 scripts/bench.sh | tee "$results/postgres"
fi

row() { grep "^$1 " "$results/$2" | sed "s/^$1 *//"; }
printf '\n%-8s | %-62s | %s\n' "" "SQLite (embedded)" "PostgreSQL (loopback)"
rounds=()
for n in $(seq 1 "${ROUNDS:-3}"); do rounds+=("round $n"); done
for name in "${rounds[@]}" ratio curl list rss; do
  printf '%-8s | %-62s | %s\n' "$name" "$(row "$name" sqlite)" "$(row "$name" postgres)"
done
