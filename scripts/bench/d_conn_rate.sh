#!/usr/bin/env bash
# (d) TCP connections per second: connect, a 1-byte request, a 1-byte
# reply, close; N connections one after another (default 20 000):
#   axnet  bench_rr_mem --per-conn 1: two stacks on the in-memory wire, one thread;
#   lwIP   bench_lwip_rr --per-conn 1: two lwIP 2.1.3 instances (dlmopen)
#          on the same kind of wire (IP packets, no Ethernet or ARP), raw API;
#   Linux  bench_linux_rr --per-conn 1 over loopback (127.0.0.1, a real
#          kernel path): one thread playing both ends in turn, and a client
#          and a server thread, pinned to CPU 0 and unpinned.
# Every system closes the same way: the client sets SO_LINGER {1, 0} (lwIP:
# tcp_abort) and closes, which sends RST; the server reads the reset and
# closes. No end enters TIME-WAIT, so ports never run out. Single-threaded
# runs are pinned (taskset -c 0). Figures: connections per CPU second of the
# process and per wall second; then, for axnet and lwIP, callgrind's
# instructions per connection (Ir(2N) - Ir(N)) / N, set-up left out.
#
#   BENCH_BUILD=build/bench [BENCH_QUICK=1] scripts/bench/d_conn_rate.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=rate_lib.sh
. "$(dirname "$0")/rate_lib.sh"
rate_setup d_conn_rate 20000 5000 2000 500
# Fields of the programs' common line "...: A round trips/s, B connections/s
# (... C round trips/s and D connections/s per CPU second ...".
per_cpu() { sed -nE 's/.* ([0-9.]+) connections\/s per CPU second.*/\1/p' <<<"$1"; }
per_wall() { sed -nE 's/.*, ([0-9.]+) connections\/s \(.*/\1/p' <<<"$1"; }
# shellcheck disable=SC2034 # read by rate_lib.sh
rate_metric=conn rate_unit="connections/s" ir_metric=ir_per_conn ir_what=connection
rate_args=(--per-conn 1)

echo "$count connections (connect, 1-byte request and reply, abortive close); callgrind over $cg_count and $((2 * cg_count))"
rate_systems bench_rr_mem bench_lwip_rr bench_linux_rr
note - "every system closes by RST (SO_LINGER 0 / tcp_abort): no TIME-WAIT, so ports never run out"
note linux "over loopback (127.0.0.1): the kernel's real socket, TCP, IP and loopback-device path, checksums skipped as loopback allows; no instruction count (callgrind does not see the kernel)"
note lwip "IP-level in-memory wire (no Ethernet header, no ARP); timers on lwIP's real clock, so its instruction count varies by the few timer calls"
