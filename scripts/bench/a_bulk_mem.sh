#!/usr/bin/env bash
# (a) TCP bulk throughput between two stack instances over the in-memory
# wire, on one core (taskset -c 0), 1 GiB: axnet (bench_tcp_mem) with its
# default buffers and at lwIP's 64 KiB window, and two lwIP 2.1.3 instances
# (bench_lwip_mem, one dlmopen() copy each). Linux has no in-memory wire of
# this kind (its loopback is a different path): no Linux figure.
# Then callgrind's instructions per payload byte for each, which repeat
# exactly run to run (fake clock, fixed seed).
set -euo pipefail
build=${BENCH_BUILD:-build/bench}
bytes=$((1 << 30)) cg_bytes=$((64 << 20))
[ "${BENCH_QUICK:-0}" = 1 ] && bytes=$((64 << 20)) cg_bytes=$((4 << 20))
# axnet doubles SO_SNDBUF/SO_RCVBUF as Linux does: 32 KiB asks for lwIP's 64 KiB.
eq_buf=32768
s=a_bulk_mem

result() { printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$@"; }
# "X" of bench_tcp_mem's "... X Gbit/s per CPU second" in its output $1.
per_cpu() { sed -nE 's/.*: ([0-9.]+) Gbit\/s per CPU second.*/\1/p' <<<"$1"; }
# Callgrind's total instructions per payload byte of `PROG ARGS`.
ir_per_byte() {
  local out prog=$1
  shift
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$build/$prog" --bytes "$cg_bytes" "$@" >/dev/null 2>&1
  awk -v b="$cg_bytes" '/^(summary|totals):/ { ir = $2 } END { printf "%.2f", ir / b }' "$out"
  rm -f "$out"
}
# One system and window: timed on CPU 0, then under callgrind.
run() {
  local sys=$1 variant=$2 prog=$3 out
  shift 3
  out=$(taskset -c 0 "$build/$prog" --bytes "$bytes" "$@")
  echo "$sys ($variant): $out"
  result "$sys" "$variant" gbit_s_per_cpu_s "$(per_cpu "$out")" "Gbit/s per CPU s" higher
  if command -v valgrind >/dev/null; then
    local ir
    ir=$(ir_per_byte "$prog" "$@")
    echo "$sys ($variant): callgrind, $cg_bytes bytes: $ir instructions per payload byte"
    result "$sys" "$variant" ir_per_byte "$ir" "Ir/byte" lower
  fi
}

echo "$bytes bytes one way on CPU 0; callgrind over $cg_bytes bytes"
run axnet default-buffers bench_tcp_mem
run axnet 64KiB-window bench_tcp_mem --sndbuf "$eq_buf" --rcvbuf "$eq_buf"
if [ -x "$build/bench_lwip_mem" ]; then
  run lwip 64KiB-window bench_lwip_mem
else
  printf 'NOTE\t%s\tlwip\tliblwip-dev missing (scripts/deps.sh bench)\n' "$s"
fi
printf 'NOTE\t%s\tlinux\tno in-memory wire in the kernel: see b_iperf3 for Linux throughput\n' "$s"
command -v valgrind >/dev/null || printf 'NOTE\t%s\t-\tvalgrind missing: no instruction counts\n' "$s"
