#!/usr/bin/env bash
# (c) Request/response latency: 1-byte TCP ping-pong (bench_rr_client:
# TCP_NODELAY, write 1 byte, read it back, each round trip timed on
# CLOCK_MONOTONIC after a warm-up; p50 and p99 in microseconds) from Linux
# in a network namespace of this script's own to
#   axnet  `axnet serve --echo` (the threaded hosted stack) on a TAP,
#   lwip   lwIP 2.1.3's raw-API echo on its own TAP netif (bench_lwip_tap),
#   linux  `bench_rr_client --serve` in a second namespace over a veth pair,
# each pinned (taskset -c 0 around the server and the client: one CPU, no
# cross-CPU wake-ups) and unpinned. Then, pinned, the server's context
# switches per round trip (`perf stat -p`, when perf is installed), and
# callgrind's instructions of the server process per round trip (axnet,
# lwIP: the kernel is invisible to it). Root only (NOTE lines otherwise).
# Namespaces and processes go on exit, failure and Ctrl-C.
#
#   BENCH_BUILD=build/bench BENCH_TOOL=build/bench/axnet scripts/bench/c_latency.sh
# BENCH_QUICK=1: 2 000 round trips instead of 20 000 (fewer under callgrind).
set -euo pipefail
build=${BENCH_BUILD:-build/bench}
tool=${BENCH_TOOL:-$build/axnet}
s=c_latency
count=20000 warmup=2000
CG_FEW=2000 CG_MANY=12000 CS_COUNT=20000
[ "${BENCH_QUICK:-0}" = 1 ] && count=2000 warmup=200 CG_FEW=200 CG_MANY=600 CS_COUNT=2000
readonly PORT=7 PREFIX=24 READY_TENTHS=300 STOP_TENTHS=50 CLIENT_TIMEOUT_S=120 PERF_SETTLE_S=0.3
ns=axnlat-$$ ns2=axnlatv-$$
# Three subnets (RFC 5737 test networks), so that no route overlaps.
readonly AX_TAP=axt0 AX_LINUX=192.0.2.1 AX_STACK=192.0.2.2
readonly LW_TAP=lwt0 LW_LINUX=203.0.113.1 LW_STACK=203.0.113.2
readonly V_CLIENT=198.51.100.1 V_SERVER=198.51.100.2

result() { printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$@"; }
note() { printf 'NOTE\t%s\t%s\t%s\n' "$s" "$1" "$2"; }

if [ "$(id -u)" -ne 0 ]; then
  for sys in axnet lwip linux; do note "$sys" "needs root (network namespaces, TAP): skipped"; done
  exit 0
fi
export PATH="$PATH:/usr/sbin:/sbin"
client=$build/bench_rr_client
[ -x "$client" ] || { echo "c_latency: no $client (build the bench targets)" >&2; exit 1; }
[ -x "$tool" ] || { echo "c_latency: no axnet binary at $tool" >&2; exit 1; }

readonly VETH0=axlv0 VETH1=axlv1
# shellcheck source=scripts/bench/tap_world.sh
. "$(dirname "$0")/tap_world.sh"
tap_world_init axn-lat

# measure SYS VARIANT ADDR: the client against the server now running.
measure() {
  local sys=$1 variant=$2 addr=$3 out p50 p99
  shift 3
  if ! out=$("${pin[@]}" ip netns exec "$ns" timeout "$CLIENT_TIMEOUT_S" "$client" "$addr" "$PORT" \
    --count "$count" --warmup "$warmup"); then
    echo "c_latency: $sys ($variant): client FAILED" >&2
    return 1
  fi
  echo "$sys ($variant): $out"
  p50=$(sed -nE 's/.* p50_us ([0-9.]+) .*/\1/p' <<<"$out")
  p99=$(sed -nE 's/.* p99_us ([0-9.]+) .*/\1/p' <<<"$out")
  result "$sys" "$variant" p50_us "$p50" us lower
  result "$sys" "$variant" p99_us "$p99" us lower
}

# run SYS VARIANT ADDR SERVER-CMD...: one server, one client run.
run() {
  local sys=$1 variant=$2 addr=$3 log="$tmp/$1-$2.log"
  shift 3
  if start_server "$log" ready "${pin[@]}" "$@" && measure "$sys" "$variant" "$addr"; then
    stop_server
    return 0
  fi
  stop_server
  note "$sys" "$variant run failed (see the script's stderr)"
  failed=1
}

# Callgrind's instructions of the server process per round trip: two
# runs, of CG_FEW and CG_MANY round trips, and the difference divided by
# the difference in round trips, so that start-up, the handshake and
# shutdown cancel out. Counts the whole process (every thread of axnet's
# stack, lwIP's loop, libc), never the kernel: no Linux figure.
cg_run() {
  local sys=$1 n=$2 out="$tmp/cg-$1-$2.out" log="$tmp/cg-$1-$2.log"
  shift 2
  start_server "$log" ready ip netns exec "$ns" valgrind --tool=callgrind \
    --callgrind-out-file="$out" "$@" || return 1
  ip netns exec "$ns" timeout "$CLIENT_TIMEOUT_S" "$client" "$cg_addr" "$PORT" --count "$n" \
    --warmup 0 >/dev/null || return 1
  stop_server
  awk '/^(summary|totals):/ { ir = $2 } END { print ir }' "$out"
}

# ir_per_rt SYS ADDR SERVER-CMD...
ir_per_rt() {
  local sys=$1 few many ir
  cg_addr=$2
  shift 2
  if ! few=$(cg_run "$sys" "$CG_FEW" "$@") || ! many=$(cg_run "$sys" "$CG_MANY" "$@"); then
    stop_server
    note "$sys" "callgrind run failed"
    failed=1
    return 0
  fi
  ir=$(awk -v a="$few" -v b="$many" -v n=$((CG_MANY - CG_FEW)) 'BEGIN { printf "%.0f", (b - a) / n }')
  echo "$sys: callgrind: $few Ir ($CG_FEW round trips), $many Ir ($CG_MANY): $ir Ir per round trip"
  result "$sys" - ir_per_rt "$ir" "Ir/round trip" lower
}

# Context switches of the server process (all its threads) per round
# trip, pinned: `perf stat -p` attached over CS_COUNT round trips of a
# second connection (the first warms up). Explains where the time goes:
# each switch on one CPU is a wake-up of another thread.
cs_per_rt() {
  local sys=$1 netns=$2 addr=$3 perf_out="$tmp/cs-$1.perf" perf_pid cs
  shift 3
  pin=(taskset -c 0)
  if ! start_server "$tmp/cs-$sys.log" ready "${pin[@]}" ip netns exec "$netns" "$@" ||
    ! "${pin[@]}" ip netns exec "$ns" "$client" "$addr" "$PORT" --count "$warmup" \
      --warmup 0 >/dev/null; then
    stop_server
    note "$sys" "perf run failed"
    failed=1
    return 0
  fi
  perf stat -x, -e context-switches -p "$srv_pid" -o "$perf_out" &
  perf_pid=$!
  sleep "$PERF_SETTLE_S"
  "${pin[@]}" ip netns exec "$ns" "$client" "$addr" "$PORT" --count "$CS_COUNT" --warmup 0 \
    >/dev/null || failed=1
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  stop_server
  cs=$(awk -F, -v n="$CS_COUNT" '$3 == "context-switches" { printf "%.2f", $1 / n }' "$perf_out")
  echo "$sys (pinned): perf stat: $cs context switches of the server per round trip"
  result "$sys" pinned cs_per_rt "$cs" "switches/round trip" lower
}

world_up
failed=0
lwip_bin=$build/bench_lwip_tap
ax_cmd=("$tool" serve --echo --tap "$AX_TAP" --ip "$AX_STACK/$PREFIX")
lw_cmd=("$lwip_bin" --tap "$LW_TAP" --ip "$LW_STACK/$PREFIX" --port "$PORT")
lx_cmd=("$client" --serve "$PORT")
have_lwip=0
[ -x "$lwip_bin" ] && have_lwip=1
echo "1-byte TCP ping-pong, $count round trips after $warmup, TCP_NODELAY; p50/p99 in us"
for variant in pinned unpinned; do
  pin=()
  [ "$variant" = pinned ] && pin=(taskset -c 0)
  run axnet "$variant" "$AX_STACK" ip netns exec "$ns" "${ax_cmd[@]}"
  [ "$have_lwip" = 0 ] || run lwip "$variant" "$LW_STACK" ip netns exec "$ns" "${lw_cmd[@]}"
  run linux "$variant" "$V_SERVER" ip netns exec "$ns2" "${lx_cmd[@]}"
done
if command -v perf >/dev/null; then
  cs_per_rt axnet "$ns" "$AX_STACK" "${ax_cmd[@]}"
  [ "$have_lwip" = 0 ] || cs_per_rt lwip "$ns" "$LW_STACK" "${lw_cmd[@]}"
  cs_per_rt linux "$ns2" "$V_SERVER" "${lx_cmd[@]}"
else
  note - "perf missing (linux-perf): no context-switch counts"
fi
if command -v valgrind >/dev/null; then
  ir_per_rt axnet "$AX_STACK" "${ax_cmd[@]}"
  [ "$have_lwip" = 0 ] || ir_per_rt lwip "$LW_STACK" "${lw_cmd[@]}"
  note linux "callgrind does not see the kernel: no instruction count"
else
  note - "valgrind missing: no instruction counts"
fi
[ "$have_lwip" = 1 ] || note lwip "bench_lwip_tap not built (liblwip-dev missing: scripts/deps.sh bench)"
exit "$failed"
