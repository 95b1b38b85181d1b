#!/usr/bin/env bash
# (f) UDP datagrams per second, 64-byte datagrams, A -> B:
#   axnet  bench_udp_mem: two stacks on the in-memory wire, one thread;
#   lwIP   bench_lwip_udp: two lwIP 2.1.3 instances (dlmopen) on the same
#          kind of wire (IP packets, no Ethernet or ARP), one thread;
#   Linux  bench_linux_udp over loopback (127.0.0.1, a real kernel path):
#          one thread sending bursts and reading them back (as the
#          in-memory runs do), and a sender and a receiver thread, pinned
#          to CPU 0 and unpinned (a free-running sender: the kernel drops
#          what the receiver's 8 MiB buffer cannot hold; the loss is
#          reported).
# Every single-threaded run is pinned (taskset -c 0). Figures: datagrams
# received per CPU second of the process, and per wall second. Then, for
# axnet and lwIP, callgrind's instructions per datagram: the difference of
# the counts of two runs (N and 2N datagrams) divided by N, so set-up
# (stack creation, dlmopen) is left out and the figure repeats exactly.
#
#   BENCH_BUILD=build/bench [BENCH_QUICK=1] scripts/bench/f_udp_pps.sh
set -euo pipefail
size=64
# shellcheck source-path=SCRIPTDIR source=rate_lib.sh
. "$(dirname "$0")/rate_lib.sh"
rate_setup f_udp_pps 2000000 100000 200000 10000
# Fields of the programs' common line "...: X datagrams/s (... Y datagrams/s per CPU second ...".
per_cpu() { sed -nE 's/.* ([0-9.]+) datagrams\/s per CPU second.*/\1/p' <<<"$1"; }
per_wall() { sed -nE 's/.*: ([0-9.]+) datagrams\/s \(.*/\1/p' <<<"$1"; }
lost_pct() {
  sed -nE 's/.*: ([0-9]+) datagrams of .* received, ([0-9]+) lost.*/\1 \2/p' <<<"$1" |
    awk '{ printf "%.2f", $1 + $2 ? 100 * $2 / ($1 + $2) : 0 }'
}
rate_more() { result "$1" "$2" lost_pct "$(lost_pct "$rate_out")" "% lost" lower; }
# shellcheck disable=SC2034 # read by rate_lib.sh
rate_metric=dgram rate_unit="datagrams/s" ir_metric=ir_per_dgram ir_what=datagram
rate_args=(--size "$size")

echo "$count datagrams of $size bytes; callgrind over $cg_count and $((2 * cg_count))"
rate_systems bench_udp_mem bench_lwip_udp bench_linux_udp
note linux "over loopback (127.0.0.1): the kernel's real socket, UDP, IP and loopback-device path, checksums skipped as loopback allows; no instruction count (callgrind does not see the kernel)"
note lwip "IP-level in-memory wire (no Ethernet header, no ARP): a little less work per datagram than axnet's Ethernet wire"
