#!/usr/bin/env bash
# (c) TCP request/response, in instructions and rate: a 1-byte request and
# its 1-byte reply, N round trips on one connection (default 200 000):
#   axnet  bench_rr_mem: two stacks on the in-memory wire, one thread, fake
#          clock and fixed seed (the instruction count repeats exactly);
#   lwIP   bench_lwip_rr: two lwIP 2.1.3 instances (dlmopen) on the same
#          kind of wire (IP packets, no Ethernet or ARP), raw API;
#   Linux  bench_linux_rr over loopback (127.0.0.1, a real kernel path):
#          one thread playing both ends in turn, and a client and a server
#          thread, pinned to CPU 0 and unpinned.
# Figures: round trips per CPU second of the process and per wall second;
# for axnet and lwIP, callgrind's instructions per round trip,
# (Ir(2N) - Ir(N)) / N, which leaves out set-up, the handshake and close.
# Latency percentiles over real paths are c_latency's.
#
#   BENCH_BUILD=build/bench [BENCH_QUICK=1] scripts/bench/c_rr_insn.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=rate_lib.sh
. "$(dirname "$0")/rate_lib.sh"
rate_setup c_rr_insn 200000 20000 20000 2000
# Fields of the programs' common line "...: A round trips/s, B connections/s
# (... C round trips/s and D connections/s per CPU second ...".
per_cpu() { sed -nE 's/.* ([0-9.]+) round trips\/s and .* per CPU second.*/\1/p' <<<"$1"; }
per_wall() { sed -nE 's/.*: ([0-9.]+) round trips\/s, .*/\1/p' <<<"$1"; }
# shellcheck disable=SC2034 # read by rate_lib.sh
rate_metric=rt rate_unit="round trips/s" ir_metric=ir_per_rt ir_what="round trip" rate_args=()

echo "$count round trips of 1 byte on one connection; callgrind over $cg_count and $((2 * cg_count))"
rate_systems bench_rr_mem bench_lwip_rr bench_linux_rr
note linux "over loopback (127.0.0.1): the kernel's real socket, TCP, IP and loopback-device path, checksums skipped as loopback allows; no instruction count (callgrind does not see the kernel)"
note lwip "IP-level in-memory wire (no Ethernet header, no ARP); timers on lwIP's real clock, so its instruction count varies by the few timer calls"
