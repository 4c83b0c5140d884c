#!/usr/bin/env bash
# The disclosure path against its own stack, in one run on one machine:
#   1. a release build and a demo data set (CASES synthetic cases, dev certificates) in a scratch folder;
#   2. the gateway, on the embedded SQLite store, in the background (access logs to a file, as in production);
#   3. `casegate loadtest --endpoint ping` (TLS + client certificate + identity, no case work): the baseline;
#   4. `casegate loadtest --endpoint view` (the full disclosure path, durable ledger entry before each response);
#      3 and 4 alternate ROUNDS times, each view run's ratio taken against the ping run just before it;
#   5. `casegate loadtest --endpoint list` (one partner's bulk pull of every admitted case);
#   6. an outside load generator beside ours, so no figure is an artifact of it: curl --parallel (HTTP/1.1
#      keep-alive, CONNECTIONS transfers at once, the partner's client certificate), CURL_REQUESTS pings then
#      CURL_REQUESTS views of the admitted cases, ROUNDS times;
# then the median ratio full/ping for each, and the gateway's resident memory before and after the loads.
# Each round also prints the share of the machine's CPU the hypervisor stole during its runs (/proc/stat):
# a round with more than a percent or two measured the host's other guests as much as the gateway. And the
# view run's ledger commits, from the gateway's metrics listener: how many a second, of how many entries,
# their mean time, and the share of the time the ledger's one writer was in a commit.
#
#   scripts/bench.sh                      # 10,000 cases, 64 connections, 20 s per run, 3 rounds of ping then view
#   DURATION=600 ROUNDS=1 scripts/bench.sh  # 10 minutes of ping, then 10 of views: RSS before the first, after the last
#   CASES=20000 CONNECTIONS=32 scripts/bench.sh
#   CASEGATE_BIN=/tmp/casegate-before scripts/bench.sh   # another build (no build here), to compare two in one session
# The data set in .build-bench/ is kept between runs (ledger included); remove the folder to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-gateway.sh

CASES=${CASES:-10000}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-3}
CURL_REQUESTS=${CURL_REQUESTS:-20000}
WARMUP=${WARMUP:-3}
PARTNER=${PARTNER:-met-police}
PARTNER_PORT=${PARTNER_PORT:-18443}
STAFF_PORT=${STAFF_PORT:-18444}
METRICS_PORT=${METRICS_PORT:-18445}
WORK=${BENCH_DIR:-.build-bench}
DATABASE_URL=${DATABASE_URL:-}

bin=$(release_binary)
mkdir -p "$WORK"
server_args=(--data-dir "$WORK/data" --certs-dir "$WORK/certs" --partner-port "$PARTNER_PORT" --staff-port "$STAFF_PORT")
if [ -n "$DATABASE_URL" ]; then server_args+=(--database-url "$DATABASE_URL"); fi
start_demo_gateway "$bin" "$WORK" "$STAFF_PORT" "${server_args[@]}" --cases "$CASES" --partner-rate-limit off --metrics-port "$METRICS_PORT"
server=$demo_gateway_pid

rss() { awk '/VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$server/status"; }
load() {
  "$bin" loadtest --url "https://localhost:$PARTNER_PORT" --certs-dir "$WORK/certs" --partner "$PARTNER" \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --json "$@"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "data:    $CASES synthetic cases, partner $PARTNER, $CONNECTIONS connections, ${DURATION} s per run, $ROUNDS rounds, store $([ -n "$DATABASE_URL" ] && echo postgresql || echo sqlite)"
# Ping and view alternate, ROUNDS times: this machine's speed drifts by a third within minutes, so each
# view run is compared with the ping run just before it, and the median of those ratios is the figure.
rss_before=$(rss)
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  ping=$(load --endpoint ping)
  echo "ping:    $ping"
  view=$(load --endpoint view --metrics-url "http://127.0.0.1:$METRICS_PORT/metrics")
  echo "view:    $view"
  ping_rps=$(jq '.throughput' <<<"$ping")
  view_rps=$(jq '.throughput' <<<"$view")
  ratio=$(jq -n "$view_rps / $ping_rps")
  ratios+=("$ratio")
  printf 'round %d  ping %6.0f req/s p99 %6.2f ms   view %6.0f req/s p99 %6.2f ms   ratio %.2f   steal %.1f%%/%.1f%%   receipts %s\n' "$round" \
    "$ping_rps" "$(jq '.latency_ms.p99' <<<"$ping")" "$view_rps" "$(jq '.latency_ms.p99' <<<"$view")" "$ratio" \
    "$(jq '.host_cpu.steal_percent // 0' <<<"$ping")" "$(jq '.host_cpu.steal_percent // 0' <<<"$view")" \
    "$(jq -r 'if .receipts.passed then "all distinct, in tree, sampled proofs verify" else "FAILED" end' <<<"$view")"
  jq -r '.ledger_commits // empty | select(.commits > 0)
    | "         view commits \(.per_second | round)/s of \(.entries_per_commit * 10 | round / 10), mean \(.mean_ms * 100 | round / 100) ms, the writer in a commit \(.writer_busy_percent | round)% of the time"' <<<"$view"
done
rss_after=$(rss)
list=$("$bin" loadtest --url "https://localhost:$PARTNER_PORT" --certs-dir "$WORK/certs" --partner "$PARTNER" --endpoint list --json)
echo "list:    $list"

# curl --parallel: the same partner, the same connections, ping then views of the admitted cases.
partner_certs=(--cacert "$WORK/certs/ca.pem" --cert "$WORK/certs/partner-side/$PARTNER/$PARTNER.pem" --key "$WORK/certs/partner-side/$PARTNER/$PARTNER.key")
curl -sf "${partner_certs[@]}" "https://localhost:$PARTNER_PORT/v1/views/cases?limit=1000" | jq -r '.views[].case_id' >"$WORK/case-ids"
awk -v n="$CURL_REQUESTS" -v url="https://localhost:$PARTNER_PORT/v1/ping" 'BEGIN { for (i = 0; i < n; i++) print "url = \"" url "\"\noutput = \"/dev/null\"" }' >"$WORK/curl-ping"
awk -v n="$CURL_REQUESTS" -v base="https://localhost:$PARTNER_PORT/v1/views/cases/" \
  '{ ids[NR] = $1 } END { for (i = 0; i < n; i++) print "url = \"" base ids[i % NR + 1] "\"\noutput = \"/dev/null\"" }' "$WORK/case-ids" >"$WORK/curl-view"
# Prints the round's rate and the share of the machine's CPU stolen meanwhile, against the cores' time on the
# wall clock as the load generator takes it (its user and system columns are sampled at ticks, so not used).
stolen_ticks() { awk '/^cpu / { print $9; exit }' /proc/stat; }
curl_rate() {
  local started ended codes stolen
  stolen=$(stolen_ticks)
  started=$(date +%s.%N)
  codes=$(curl -s --no-progress-meter --http1.1 --parallel --parallel-max "$CONNECTIONS" "${partner_certs[@]}" -w '%{http_code}\n' --config "$1")
  ended=$(date +%s.%N)
  [ "$(grep -vc '^200$' <<<"$codes")" -eq 0 ] || { echo "curl: not every answer was 200" >&2; exit 1; }
  stolen=$(($(stolen_ticks) - stolen))
  awk -v n="$CURL_REQUESTS" -v s="$stolen" -v t0="$started" -v t1="$ended" -v cores="$(grep -c '^cpu[0-9]' /proc/stat)" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN { t = t1 - t0; printf "%f %.1f\n", n / t, 100 * s / (t * cores * hz) }'
}
curl_ratios=()
for round in $(seq 1 "$ROUNDS"); do
  curl_ping=$(curl_rate "$WORK/curl-ping")  # assigned first, so that a failed round stops the script
  curl_view=$(curl_rate "$WORK/curl-view")
  read -r ping_rps ping_steal <<<"$curl_ping"
  read -r view_rps view_steal <<<"$curl_view"
  curl_ratios+=("$(jq -n "$view_rps / $ping_rps")")
  printf 'curl-round %d  ping %6.0f req/s   view %6.0f req/s   ratio %.2f   steal %s%%/%s%%\n' "$round" "$ping_rps" "$view_rps" \
    "${curl_ratios[-1]}" "$ping_steal" "$view_steal"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
printf '\nratio    %8.2f median of %d rounds (view / ping throughput, each view run against the ping run before it)\n' \
  "$(median "${ratios[@]}")" "$ROUNDS"
printf 'curl     %8.2f median of %d rounds of curl --parallel, %d requests each (the same ratio, an outside client)\n' \
  "$(median "${curl_ratios[@]}")" "$ROUNDS" "$CURL_REQUESTS"
printf 'list     %8d views in %.2f s\n' "$(jq '.views' <<<"$list")" "$(jq '.seconds' <<<"$list")"
echo "rss      $rss_before before the first load, $rss_after after the last"
