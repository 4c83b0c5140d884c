#!/usr/bin/env bash
# The whole test suite: starts a throwaway PostgreSQL server on loopback (installing Debian's package
# if it is missing), runs `swift test` with CASEGATE_TEST_POSTGRES_URL pointing at it, so every
# storage-level test runs against both SQLite and PostgreSQL, then stops the server.
# With CASEGATE_TEST_POSTGRES_URL already set, that server is used instead. The single sign-on tests run
# against a real OpenID Connect provider, oidc-provider-mock from PyPI, installed here when missing.
# Extra arguments go to swift test. CASEGATE_TEST_TIMEOUT (default 40m, timeout's form) limits the run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

if [ -z "${CASEGATE_TEST_POSTGRES_URL:-}" ]; then
    PG_DIR="$(mktemp -d /tmp/casegate-pg.XXXXXX)"
    PG_PORT="${CASEGATE_TEST_POSTGRES_PORT:-$((25432 + RANDOM % 1000))}"
    trap 'stop_test_postgres "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
    start_test_postgres "$PG_DIR" "$PG_PORT"
    echo "PostgreSQL test server: $CASEGATE_TEST_POSTGRES_URL"
fi
if ! command -v oidc-provider-mock >/dev/null 2>&1; then
    python3 -m pip install -q "oidc-provider-mock==0.3.4"
fi
# Built first, so the time limit below is the tests' own.
swift build --build-tests
# A crash report names the crashed thread alone, so it ends the log, where a CI summary shows it.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=yes,interactive=no,threads=crashed,registers=none,images=none}"
# The tests run in a session of their own under a time limit: a hang fails the run with a message instead of
# using up CI's time, and no process a test started outlives the run, even when the test process crashed
# (swift test puts the test process in a process group of its own, so the session is what holds them all).
limit="${CASEGATE_TEST_TIMEOUT:-40m}"
# --wait: should setsid have to fork, its status is still the tests'.
setsid --wait timeout --kill-after=30s "$limit" swift test --skip-build "$@" &
session=$!
trap 'pkill -TERM -s "$session"' INT TERM
status=0
wait "$session" || status=$?
pkill -KILL -s "$session" || true
if [ "$status" -eq 124 ]; then echo "scripts/test.sh: the tests did not finish within $limit" >&2; fi
exit "$status"
