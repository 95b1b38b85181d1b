#!/usr/bin/env bash
# TCP throughput over TAP (root): our stack (bench/bench_tcp_tap.c) against
# Linux in a namespace this script creates, both directions, without and
# with TAP offloads; then Linux against Linux over a veth pair between two
# namespaces with the same socat commands, as the reference the tools
# allow. Namespaces are deleted on exit, failure or Ctrl-C.
#
#   scripts/bench-tap.sh [BIN]    BIN: bench_tcp_tap (default build/bench/bench_tcp_tap)
# Environment: BYTES (default 1073741824 each transfer), OFFLOADS ("off on").
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bench/bench_tcp_tap}
bytes=${BYTES:-1073741824}
offloads=${OFFLOADS:-"off on"}
ns=axnb-$$
ns2=axnb2-$$

cleanup() {
  ip netns delete "$ns" 2>/dev/null || true
  ip netns delete "$ns2" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
  echo "bench-tap: needs root (namespaces, /dev/net/tun); skipped" >&2
  exit 0
fi
command -v socat >/dev/null || { echo "bench-tap: socat missing" >&2; exit 1; }

# One run per direction, so that one failing (it says FAILED; a hung
# transfer ends by the program's alarm) does not hide the other.
for o in $offloads; do
  flag=""
  [ "$o" = on ] && flag="--offload"
  for d in rx tx; do
    cleanup
    ip netns add "$ns"
    "$bin" --ns "$ns" --bytes "$bytes" --dir "$d" $flag ||
      echo "bench_tcp_tap: offloads $o, direction $d: FAILED (exit $?)"
  done
done
cleanup

# Linux <-> Linux over veth, same tools: the ceiling socat and the kernel
# reach on this machine.
ip netns add "$ns"
ip netns add "$ns2"
ip link add axnbv0 netns "$ns" type veth peer name axnbv1 netns "$ns2"
ip -n "$ns" addr add 192.0.2.1/24 dev axnbv0
ip -n "$ns2" addr add 192.0.2.2/24 dev axnbv1
ip -n "$ns" link set axnbv0 up
ip -n "$ns2" link set axnbv1 up
ip netns exec "$ns2" socat -u -b262144 TCP-LISTEN:5001,reuseaddr OPEN:/dev/null &
sleep 0.3
t0=$(date +%s.%N)
ip netns exec "$ns" sh -c "head -c $bytes /dev/zero | socat -u -b262144 - TCP:192.0.2.2:5001"
wait
t1=$(date +%s.%N)
awk -v b="$bytes" -v a="$t0" -v z="$t1" \
  'BEGIN { s = z - a; printf "bench_tcp_tap: Linux -> Linux over veth (reference): %d bytes in %.3f s: %.2f Gbit/s\n", b, s, b * 8 / s / 1e9 }'
