#!/usr/bin/env bash
# (b) TCP throughput measured by the stock iperf3 client: Linux's
# `iperf3 -c`, in a network namespace of this script's own, against
#   axnet  `axnet serve --iperf3` (the threaded hosted stack) on a TAP
#          (plain TAP: 1514-byte frames, software checksums, no offloads),
#   linux  `iperf3 -s` in a second namespace over a veth pair (the
#          kernel's offloads, GSO/GRO, as Linux sets them up by default;
#          then again with them off, variants *-no-offload, when ethtool
#          is installed; axnet's figures are given under those variants
#          too, since its plain TAP has no offloads),
# each direction (server_rx: the client sends; server_tx: `-R`, the server
# sends) for SECS seconds, pinned (taskset -c 0 around the server and the
# client) and unpinned. The figure is iperf3's own: the JSON's
# end.sum_received.bits_per_second. TCP only.
# lwIP has no iperf3 server (its lwiperf app speaks iperf2), so a second
# figure, sink_rx_gbit_s, puts all three side by side: bench_rr_client
# --bulk (128 KiB writes for SINK_SECS, then the sink's EOF) from the same
# namespace to a discard sink: `axnet serve --discard`, lwIP's
# (bench_lwip_tap, port 9, on its own TAP) and `bench_rr_client --sink`
# over the veth. Root only (NOTE lines otherwise). Namespaces and
# processes go on exit, failure and Ctrl-C.
#
#   BENCH_BUILD=build/bench BENCH_TOOL=build/bench/axnet scripts/bench/b_iperf3.sh
# BENCH_QUICK=1: 2 s per iperf3 test instead of 10, 1 s sinks instead of 4.
set -euo pipefail
build=${BENCH_BUILD:-build/bench}
tool=${BENCH_TOOL:-$build/axnet}
s=b_iperf3
secs=10 sink_secs=4
[ "${BENCH_QUICK:-0}" = 1 ] && secs=2 sink_secs=1
readonly PORT=5201 SINK_PORT=9 PREFIX=24 READY_TENTHS=100 STOP_TENTHS=50 CLIENT_SLACK_S=30
ns=axnipf-$$ ns2=axnipfv-$$
# Three subnets (RFC 5737 test networks), so that no route overlaps.
readonly AX_TAP=axt0 AX_LINUX=192.0.2.1 AX_STACK=192.0.2.2
readonly LW_TAP=lwt0 LW_LINUX=203.0.113.1 LW_STACK=203.0.113.2
readonly V_CLIENT=198.51.100.1 V_SERVER=198.51.100.2
readonly OFFLOADS_OFF=(tx off rx off tso off gso off gro off)

result() { printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$@"; }
note() { printf 'NOTE\t%s\t%s\t%s\n' "$s" "$1" "$2"; }

if [ "$(id -u)" -ne 0 ]; then
  for sys in axnet linux; do note "$sys" "needs root (network namespaces, TAP): skipped"; done
  note lwip "no iperf3 server in lwIP (its lwiperf speaks iperf2)"
  exit 0
fi
export PATH="$PATH:/usr/sbin:/sbin"
for prog in iperf3 python3; do
  if ! command -v "$prog" >/dev/null; then
    for sys in axnet linux; do note "$sys" "$prog missing (scripts/deps.sh bench)"; done
    exit 0
  fi
done
[ -x "$tool" ] || { echo "b_iperf3: no axnet binary at $tool" >&2; exit 1; }

readonly VETH0=axiv0 VETH1=axiv1
# shellcheck source=scripts/bench/tap_world.sh
. "$(dirname "$0")/tap_world.sh"
tap_world_init axn-ipf

# Gbit/s received (end.sum_received) in iperf3's -J output on stdin.
gbit_s() {
  python3 -c 'import json, sys
print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}

# measure SYS VARIANT ADDR METRIC [-R]: one iperf3 client test.
measure() {
  local sys=$1 variant=$2 addr=$3 metric=$4 out g
  shift 4
  if ! out=$("${pin[@]}" ip netns exec "$ns" timeout $((secs + CLIENT_SLACK_S)) \
    iperf3 -c "$addr" -p "$PORT" -t "$secs" -J "$@") || ! g=$(gbit_s <<<"$out"); then
    echo "b_iperf3: $sys ($variant) $metric: iperf3 FAILED: $(grep -m1 error <<<"$out")" >&2
    return 1
  fi
  echo "$sys ($variant): $metric $g Gbit/s (iperf3 -c, ${secs} s${1:+, $1})"
  emit "$sys" "$variant" "$metric" "$g"
}

# emit SYS VARIANT METRIC GBIT_S. The plain TAPs of axnet and lwIP have no
# offloads: their figure is also the one to set beside Linux's veth with
# its offloads off.
emit() {
  result "$1" "$2" "$3" "$4" Gbit/s higher
  [ "$1" = linux ] || result "$1" "$2-no-offload" "$3" "$4" Gbit/s higher
}

# sink SYS VARIANT ADDR WORD SERVER-CMD...: bench_rr_client --bulk against
# a discard server (its EOF after ours ends the timing).
sink() {
  local sys=$1 variant=$2 addr=$3 word=$4 log="$tmp/sink-$1-$2.log" out g
  shift 4
  if start_server "$log" "$word" "${pin[@]}" "$@" &&
    out=$("${pin[@]}" ip netns exec "$ns" timeout $((sink_secs + CLIENT_SLACK_S)) "$client" \
      "$addr" "$SINK_PORT" --bulk "$sink_secs"); then
    g=$(sed -nE 's/.* gbit_s ([0-9.]+)$/\1/p' <<<"$out")
    echo "$sys ($variant): sink_rx_gbit_s $g Gbit/s (bench_rr_client --bulk, $sink_secs s)"
    emit "$sys" "$variant" sink_rx_gbit_s "$g"
  else
    note "$sys" "$variant: the bulk run to the discard sink failed (see stderr)"
    failed=1
  fi
  stop_server
}

# run SYS VARIANT ADDR WORD SERVER-CMD...: one server, both directions.
run() {
  local sys=$1 variant=$2 addr=$3 word=$4 log="$tmp/$1-$2.log" ok=0
  shift 4
  if start_server "$log" "$word" "${pin[@]}" "$@"; then
    measure "$sys" "$variant" "$addr" server_rx_gbit_s || ok=1
    measure "$sys" "$variant" "$addr" server_tx_gbit_s -R || ok=1
  else
    ok=1
  fi
  stop_server
  if [ "$ok" -ne 0 ]; then
    note "$sys" "$variant: a test failed (see the script's stderr)"
    failed=1
  fi
}

world_up
failed=0
client=$build/bench_rr_client lwip_bin=$build/bench_lwip_tap
have_client=0 have_lwip=0
[ -x "$client" ] && have_client=1
[ "$have_client" = 1 ] && [ -x "$lwip_bin" ] && have_lwip=1
echo "iperf3 -c from Linux, TCP, $secs s per direction; Gbit/s received"
[ "$have_client" = 0 ] || echo "then bench_rr_client --bulk to a discard sink, $sink_secs s"
for variant in pinned unpinned; do
  pin=()
  [ "$variant" = pinned ] && pin=(taskset -c 0)
  run axnet "$variant" "$AX_STACK" ready ip netns exec "$ns" "$tool" serve --iperf3 \
    --tap "$AX_TAP" --ip "$AX_STACK/$PREFIX"
  [ "$have_client" = 0 ] || sink axnet "$variant" "$AX_STACK" ready ip netns exec "$ns" "$tool" \
    serve --discard --tap "$AX_TAP" --ip "$AX_STACK/$PREFIX"
  [ "$have_lwip" = 0 ] || sink lwip "$variant" "$LW_STACK" ready ip netns exec "$ns" "$lwip_bin" \
    --tap "$LW_TAP" --ip "$LW_STACK/$PREFIX"
  run linux "$variant" "$V_SERVER" listening ip netns exec "$ns2" iperf3 -s -p "$PORT" --forceflush
  [ "$have_client" = 0 ] || sink linux "$variant" "$V_SERVER" ready ip netns exec "$ns2" \
    "$client" --sink "$SINK_PORT"
done
# Linux again with the veth's offloads off, so that it moves the frames
# axnet's plain TAP does (1514 bytes, checksums in software).
if ! command -v ethtool >/dev/null; then
  note linux "ethtool missing: no run with the veth's offloads off"
elif ! ip netns exec "$ns" ethtool -K "$VETH0" "${OFFLOADS_OFF[@]}" >/dev/null 2>&1 ||
  ! ip netns exec "$ns2" ethtool -K "$VETH1" "${OFFLOADS_OFF[@]}" >/dev/null 2>&1; then
  note linux "ethtool -K could not turn the veth's offloads off: no -no-offload runs"
else
  for variant in pinned unpinned; do
    pin=()
    [ "$variant" = pinned ] && pin=(taskset -c 0)
    run linux "$variant-no-offload" "$V_SERVER" listening ip netns exec "$ns2" iperf3 -s \
      -p "$PORT" --forceflush
    [ "$have_client" = 0 ] || sink linux "$variant-no-offload" "$V_SERVER" ready \
      ip netns exec "$ns2" "$client" --sink "$SINK_PORT"
  done
fi
note lwip "no iperf3 server in lwIP (its lwiperf app speaks iperf2): sink_rx_gbit_s only"
[ "$have_client" = 1 ] || note - "bench_rr_client not built: no sink_rx_gbit_s figures"
[ "$have_client" = 0 ] || [ "$have_lwip" = 1 ] ||
  note lwip "bench_lwip_tap not built (liblwip-dev missing: scripts/deps.sh bench)"
note axnet "plain TAPs (1514-byte frames, software checksums) for axnet and lwIP: their figures stand in both the pinned/unpinned rows (Linux's veth with GSO/GRO and checksum offload) and the -no-offload rows (veth offloads off)"
exit "$failed"
