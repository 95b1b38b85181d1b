#!/usr/bin/env bash
# Builds an optimised build (-O2, no sanitizers, no tests) in build/bench
# and runs every benchmark, then prints a table of the figures:
#
#   scripts/bench.sh             # all benchmarks
#   scripts/bench.sh checksum    # only bench_checksum (likewise tcp_mem,
#                                # tcp_idle, tcp_tap)
#
# bench_tcp_mem runs twice: timed (TCP_MEM_BYTES, default 1 GiB) and under
# `valgrind --tool=callgrind` (CALLGRIND_BYTES, default 64 MiB) for
# instructions per payload byte (callgrind's total Ir / bytes; skipped
# without valgrind). bench_tcp_idle: IDLE_ARGS (default: 10 000 and
# 100 000 connections, 4 GiB cap). bench_tcp_tap runs through
# scripts/bench-tap.sh (root only; TAP_BYTES, default 1 GiB).
# docs/performance.md explains each figure.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/bench
# clang by default, like the test build; CC=gcc scripts/bench.sh to compare
# (a fresh build/bench is needed when the compiler changes).
cc=${CC:-clang}
tcp_mem_bytes=${TCP_MEM_BYTES:-1073741824}
cg_bytes=${CALLGRIND_BYTES:-67108864}
idle_args=${IDLE_ARGS:-}
tap_bytes=${TAP_BYTES:-1073741824}
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DAXN_SANITIZE=OFF -DAXN_FUZZ=OFF -DAXN_BUILD_TESTS=OFF -DAXN_BUILD_BENCH=ON >/dev/null

names=()
for src in bench/bench_*.c; do
  [ -e "$src" ] || continue
  name=$(basename "$src" .c)
  if [ $# -gt 0 ] && [ "$name" != "bench_$1" ]; then
    continue
  fi
  names+=("$name")
done
if [ ${#names[@]} -eq 0 ]; then
  echo "bench.sh: no benchmark to run" >&2
  exit 1
fi

for name in "${names[@]}"; do
  cmake --build "$build" -j"$(nproc)" --target "$name" >/dev/null
done
echo "compiler: $("$cc" --version | head -n1); flags: -O2"
table=()

# Callgrind's total instructions over the payload bytes.
callgrind_ir_per_byte() {
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$build/bench_tcp_mem" --bytes "$cg_bytes" >/dev/null 2>&1
  awk -v b="$cg_bytes" '/^(summary|totals):/ { ir = $2 } END { printf "%d Ir / %d bytes = %.2f Ir/byte", ir, b, ir / b }' "$out"
  rm -f "$out"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for name in "${names[@]}"; do
  echo "== $name"
  case $name in
    bench_tcp_mem)
      "$build/$name" --bytes "$tcp_mem_bytes" | tee "$log"
      table+=("in-memory bulk, one core, $tcp_mem_bytes bytes|$(sed -nE 's/.*: ([0-9.]+ Gbit\/s) \(.*: ([0-9.]+ Gbit\/s per CPU second).*/\1 wall, \2/p' "$log")")
      if command -v valgrind >/dev/null; then
        cg=$(callgrind_ir_per_byte)
        echo "callgrind, $cg_bytes bytes: $cg"
        table+=("in-memory instructions per payload byte|${cg##*= } ($cg)")
      else
        echo "valgrind missing: no instructions per byte"
      fi
      ;;
    bench_tcp_idle)
      # shellcheck disable=SC2086
      "$build/$name" $idle_args | tee "$log"
      while read -r l; do
        table+=("$(echo "$l" | sed -nE 's/^bench_tcp_idle: ([0-9]+ of [0-9]+) connections.*/idle connections: \1/p')|$(echo "$l" | sed -nE 's/.* ([0-9]+) bytes per connection \(both ends\), ([0-9]+) per socket.*/\1 bytes per connection, \2 per socket/p')")
      done <"$log"
      ;;
    bench_tcp_tap)
      BYTES=$tap_bytes scripts/bench-tap.sh "$build/$name" | tee "$log"
      while read -r l; do
        case $l in
          *FAILED*) table+=("TAP: $(echo "$l" | sed -E 's/^bench_tcp_tap: (.*): FAILED.*/\1/')|FAILED") ;;
          *Gbit/s) table+=("TAP: $(echo "$l" | sed -nE 's/^bench_tcp_tap: (.*): [0-9]+ bytes in .*/\1/p')|$(echo "$l" | sed -nE 's/.*: ([0-9.]+ Gbit\/s)$/\1/p')") ;;
        esac
      done <"$log"
      ;;
    *)
      "$build/$name"
      ;;
  esac
done

if [ ${#table[@]} -gt 0 ]; then
  echo
  echo "| figure | value |"
  echo "| --- | --- |"
  for row in "${table[@]}"; do
    echo "| ${row%%|*} | ${row#*|} |"
  done
fi
