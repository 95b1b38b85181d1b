#!/usr/bin/env bash
# Extra: the Internet checksum (axn_csum_partial) beside memcpy and a plain
# 16-bit loop on warm buffers (bench_checksum, best of 9 runs, pinned to
# CPU 0). axnet only: no peer row.
set -euo pipefail
build=${BENCH_BUILD:-build/bench}
s=x_checksum
out=$(taskset -c 0 "$build/bench_checksum")
echo "$out"
# Rows "size csum GB/s B/cyc memcpy GB/s B/cyc ref GB/s B/cyc".
awk -v s="$s" '$1 ~ /^[0-9]+$/ && NF == 7 {
  printf "RESULT\t%s\taxnet\t%sB\tcsum_gb_s\t%s\tGB/s\thigher\n", s, $1, $2
}' <<<"$out"
