# Sourced by scripts/test.sh and the benchmark scripts: a throwaway PostgreSQL server on loopback.
#   start_test_postgres DIR PORT   initdb in DIR, start on 127.0.0.1:PORT, create database "casegate_test";
#                                  exports CASEGATE_TEST_POSTGRES_URL; POSTGRES_OPTIONS adds server settings
#                                  ("-c checkpoint_timeout=15min -c wal_compression=lz4")
#   stop_test_postgres DIR         fast shutdown
#   bench_backend SQLITE_WORK POSTGRES_WORK PORT
#                                  for a bench script's $BACKEND: sets WORK, server_args and DEMO_GATEWAY_CLEANUP
# PostgreSQL refuses to run as root, so as root the server runs as the "postgres" user.

pg_bin() {
    if command -v pg_ctl >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

ensure_postgres_installed() {
    if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
        echo "PostgreSQL not found: installing Debian's postgresql package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    fi
}

as_pg_user() {
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

start_test_postgres() {
    local dir="$1" port="$2" bin
    ensure_postgres_installed
    bin="$(pg_bin)"
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg_user "'$bin/initdb' -D '$dir/data' -U casegate --auth=trust -E UTF8 --no-locale" >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    as_pg_user "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-h 127.0.0.1 -p $port -k '$dir' -c fsync=on -c max_connections=200 ${POSTGRES_OPTIONS:-}\" start" >/dev/null \
        || { cat "$dir/server.log" >&2; return 1; }
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U casegate casegate_test
    export CASEGATE_TEST_POSTGRES_URL="postgres://casegate@127.0.0.1:$port/casegate_test"
}

stop_test_postgres() {
    local dir="$1"
    as_pg_user "'$(pg_bin)/pg_ctl' -D '$dir/data' -m fast -w stop" >/dev/null 2>&1 || true
}

# A bench script's store, from $BACKEND: sqlite works in SQLITE_WORK (or $BENCH_DIR); postgres starts a
# throwaway server on PORT and works in POSTGRES_WORK (or $BENCH_DIR), made afresh since the master key must
# match the database. Sets WORK, server_args (the gateway's arguments for it) and DEMO_GATEWAY_CLEANUP
# (which scripts/demo-gateway.sh runs on exit).
bench_backend() {
    local sqlite_work="$1" postgres_work="$2" port="$3"
    server_args=()
    case "$BACKEND" in
        sqlite) WORK=${BENCH_DIR:-$sqlite_work} ;;
        postgres)
            WORK=${BENCH_DIR:-$postgres_work}
            PG_DIR="$(mktemp -d /tmp/casegate-bench-pg.XXXXXX)"
            start_test_postgres "$PG_DIR" "$port"
            rm -rf "$WORK"
            server_args+=(--database-url "$CASEGATE_TEST_POSTGRES_URL")
            DEMO_GATEWAY_CLEANUP="stop_test_postgres '$PG_DIR'; rm -rf '$PG_DIR'"
            ;;
        *) echo "BACKEND is sqlite or postgres" >&2; exit 2 ;;
    esac
}
