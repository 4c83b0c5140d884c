# Sourced by the benchmark scripts and the CI checks: a demo gateway in the background for as long as
# the sourcing script runs, and the build the benchmarks run.
#
#   bin=$(release_binary [swift build options...])
#   start_demo_gateway BIN WORK STAFF_PORT [casegate demo arguments...]
#
# Sets the demo up (certificates, keys, tokens, cases) if it is not already, starts `casegate demo`,
# waits until /readyz answers on STAFF_PORT, and stops it when the script exits (then runs
# $DEMO_GATEWAY_CLEANUP, if set). The certificates must be under WORK/certs; the log goes to
# WORK/gateway.log; the process id is in $demo_gateway_pid.
start_demo_gateway() {
  local bin=$1 work=$2 staff_port=$3
  shift 3
  "$bin" demo "$@" --setup-only >/dev/null
  "$bin" demo "$@" >/dev/null 2>"$work/gateway.log" &
  demo_gateway_pid=$!
  trap "kill $demo_gateway_pid 2>/dev/null; wait $demo_gateway_pid 2>/dev/null || true; ${DEMO_GATEWAY_CLEANUP:-}" EXIT
  for _ in $(seq 1 300); do
    curl -sf --cacert "$work/certs/ca.pem" "https://localhost:$staff_port/readyz" >/dev/null && return 0
    sleep 0.2
  done
  echo "the demo gateway did not become ready; see $work/gateway.log" >&2
  return 1
}

# Prints the casegate a benchmark runs, for `bin=$(release_binary)`: $CASEGATE_BIN when given (another build,
# to compare two in one session; nothing is built), else this checkout's release build, brought up to date
# first with any `swift build` options given (the build's own output goes to stderr).
release_binary() {
  if [ -n "${CASEGATE_BIN:-}" ]; then
    echo "$CASEGATE_BIN"
    return 0
  fi
  swift build -c release --product casegate "$@" >&2
  echo .build/release/casegate
}
