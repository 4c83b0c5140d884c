#!/usr/bin/env bash
# The whole test suite: starts a throwaway PostgreSQL server on loopback (installing Debian's package
# if it is missing), runs `swift test` with CASEGATE_TEST_POSTGRES_URL pointing at it, so every
# storage-level test runs against both SQLite and PostgreSQL, then stops the server.
# With CASEGATE_TEST_POSTGRES_URL already set, that server is used instead. The single sign-on tests run
# against a real OpenID Connect provider, oidc-provider-mock from PyPI, installed here when missing.
# Extra arguments go to swift test.
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
swift test "$@"
