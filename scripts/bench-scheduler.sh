#!/usr/bin/env bash
# Whether the machine's scheduler keeps both cores working under a load: for each endpoint, one second of
# `perf sched record` in the middle of a load, then how much of the cores' time was idle, how much of that idle
# time had a woken thread of the gateway or the load generator waiting to run on another core (queued behind
# that core's running thread), and the delays from each wake-up to running (decision 0039). A thread preempted
# while running has no wake-up, so its wait is not counted: the share is a lower bound.
#
#   scripts/bench-scheduler.sh                        # ping and view, closed loop, 64 connections, on .build-bench
#   RATE=4000 ENDPOINTS=view scripts/bench-scheduler.sh
#   CASEGATE_BIN=/tmp/casegate-before scripts/bench-scheduler.sh
#   BACKEND=postgres scripts/bench-scheduler.sh      # on a throwaway PostgreSQL, a fresh data set; the server's
#                                                     # processes count with the gateway's
#
# Tracing every switch slows the machine, so the load's own figures during the traced second are not its usual
# ones; the shares and delays are what to read. Needs perf with the sched tracepoints.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/demo-gateway.sh

ENDPOINTS=${ENDPOINTS:-ping view}
CONNECTIONS=${CONNECTIONS:-64}
CASES=${CASES:-10000}
BACKEND=${BACKEND:-sqlite}
RATE=${RATE:-}
rate_args=()
if [ -n "$RATE" ]; then rate_args=(--rate "$RATE"); fi
bin=$(release_binary)
bench_backend .build-bench .build-bench-scheduler-postgres "${BENCH_POSTGRES_PORT:-26634}"
mkdir -p "$WORK"
start_demo_gateway "$bin" "$WORK" 18444 "${server_args[@]}" --data-dir "$WORK/data" --certs-dir "$WORK/certs" \
  --partner-port 18443 --staff-port 18444 --cases "$CASES" --partner-rate-limit off
server=$demo_gateway_pid

for endpoint in $ENDPOINTS; do
  "$bin" loadtest --url https://localhost:18443 --certs-dir "$WORK/certs" --partner met-police \
    --connections "$CONNECTIONS" "${rate_args[@]}" --duration 7 --warmup 2 --json --endpoint "$endpoint" >"$WORK/sched-$endpoint.json" &
  load=$!
  sleep 4
  perf sched record -o "$WORK/sched-$endpoint.data" -- sleep 1 >/dev/null 2>&1
  wait "$load"
  perf sched timehist -i "$WORK/sched-$endpoint.data" 2>/dev/null >"$WORK/sched-$endpoint.txt"
  database=""
  if [ "$BACKEND" = postgres ]; then
    postmaster=$(head -1 "$PG_DIR/data/postmaster.pid")
    database=$(echo "$postmaster" $(pgrep -P "$postmaster") | tr ' ' ',')
  fi
  python3 - "$WORK/sched-$endpoint.txt" "$endpoint" "$server" "$load" "$database" <<'PY'
import bisect, re, sys
path, endpoint, server, load, database = sys.argv[1:]
# timehist's rows: time, [cpu], task (name[tid/pid]), wait, scheduling delay, run time (ms)
row = re.compile(r"\s*([\d.]+)\s+\[(\d+)\]\s+(\S.*?)\s{2,}([\d.]+)\s+([\d.]+)\s+([\d.]+)")
idle, waits, ran = [], [], {"gateway": 0.0, "load generator": 0.0, "postgresql": 0.0}
owners = {server: "gateway", load: "load generator"} | {pid: "postgresql" for pid in database.split(",") if pid}
first = last = None
for line in open(path):
    m = row.match(line)
    if not m:
        continue
    end, cpu, task, delay, run = float(m[1]) * 1000, int(m[2]), m[3].strip(), float(m[5]), float(m[6])
    first, last = first if first is not None else end, end
    if task == "<idle>":
        idle.append((end - run, end, cpu))
        continue
    # name[tid/pid], or name[pid] for a process of one thread
    ids = re.search(r"\[(\d+)(?:/(\d+))?\]$", task)
    owner = owners.get((ids[2] or ids[1]) if ids else "")
    if owner is None:
        continue
    ran[owner] += run
    if delay > 0:
        waits.append((end - run - delay, end - run, cpu))
if not idle and not waits:
    sys.exit(f"{endpoint}: nothing traced in {path}")

def merged(intervals):
    out = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out

cpus = {c for *_, c in idle} | {c for *_, c in waits}
# For each core, when some thread was ready to run on another one.
ready_elsewhere = {c: merged([(s, e) for s, e, other in waits if other != c]) for c in cpus}
idle_ms = sum(e - s for s, e, _ in idle)
covered = 0.0
for start, end, cpu in idle:
    spans = ready_elsewhere[cpu]
    i = bisect.bisect_left(spans, [start, start]) - 1
    for a, b in spans[max(i, 0):]:
        if a >= end:
            break
        covered += max(0.0, min(b, end) - max(a, start))
span = last - first
delays = sorted(e - s for s, e, _ in waits)
pick = lambda q: delays[min(len(delays) - 1, int(len(delays) * q))]
print(f"{endpoint:5s} over {span:.0f} ms on {len(cpus)} cores: idle {idle_ms / (span * len(cpus)) * 100:.0f}% of their time, "
      f"and {covered / idle_ms * 100 if idle_ms else 0:.0f}% of that idle time with a thread ready on another core; "
      f"gateway {ran['gateway'] / (span * len(cpus)) * 100:.0f}%, load generator {ran['load generator'] / (span * len(cpus)) * 100:.0f}%"
      + (f", postgresql {ran['postgresql'] / (span * len(cpus)) * 100:.0f}%" if database else "") + "; "
      f"wake-up to running p50 {pick(0.5):.3f} ms, p90 {pick(0.9):.3f}, p99 {pick(0.99):.3f}, max {delays[-1]:.3f}")
PY
done
