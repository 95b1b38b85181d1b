#!/usr/bin/env bash
# Builds an optimised build (-O2, no sanitizers, no tests) in build/bench
# and runs every benchmark, then prints a table of the figures:
#
#   scripts/bench.sh             # all benchmarks
#   scripts/bench.sh checksum    # only bench_checksum (likewise tcp_mem,
#                                # tcp_idle, tcp_tap, lwip_mem)
#   scripts/bench.sh tcp_mem lwip_mem   # several
#
# bench_tcp_mem runs twice: timed (TCP_MEM_BYTES, default 1 GiB) and under
# `valgrind --tool=callgrind` (CALLGRIND_BYTES, default 64 MiB) for
# instructions per payload byte (callgrind's total Ir / bytes; skipped
# without valgrind). bench_tcp_idle: IDLE_ARGS (default: 10 000 and
# 100 000 connections, 4 GiB cap). bench_tcp_tap runs through
# scripts/bench-tap.sh (root only; TAP_BYTES, default 1 GiB). bench_lwip_mem
# (needs liblwip-dev: scripts/deps.sh bench) is bench_tcp_mem's scenario
# between two lwIP instances, timed and under callgrind with the same
# byte counts; with it, bench_tcp_mem also runs at lwIP's 64 KiB window
# (--sndbuf/--rcvbuf 32768, doubled), and a second table puts axnet beside lwIP.
# Pin it to one CPU as the figures in docs/performance.md were:
#   taskset -c 0 scripts/bench.sh tcp_mem lwip_mem
# docs/performance.md explains each figure.
set -euo pipefail
cd "$(dirname "$0")/.."
# BENCH_BUILD: another build directory (default build/bench).
build=${BENCH_BUILD:-build/bench}
# clang by default, like the test build; CC=gcc scripts/bench.sh to compare
# (a fresh build/bench is needed when the compiler changes).
cc=${CC:-clang}
tcp_mem_bytes=${TCP_MEM_BYTES:-1073741824}
cg_bytes=${CALLGRIND_BYTES:-67108864}
idle_args=${IDLE_ARGS:-}
tap_bytes=${TAP_BYTES:-1073741824}
# axnet's buffers at lwIP's (TCP_WND = TCP_SND_BUF = 64 KiB): axnet doubles
# SO_SNDBUF/SO_RCVBUF as Linux does, so 32 KiB asks for 64 KiB.
eq_buf=32768
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DAXN_SANITIZE=OFF -DAXN_FUZZ=OFF -DAXN_BUILD_TESTS=OFF -DAXN_BUILD_BENCH=ON >/dev/null

names=()
for src in bench/bench_*.c; do
  [ -e "$src" ] || continue
  name=$(basename "$src" .c)
  if [ $# -gt 0 ] && [[ " $* " != *" ${name#bench_} "* ]]; then
    continue
  fi
  # lwIP's harness is only built where liblwip-dev is installed.
  if [ "$name" = bench_lwip_mem ] && [ ! -e /usr/include/lwip/lwipopts.h ]; then
    echo "bench.sh: liblwip-dev missing (scripts/deps.sh bench): skipping $name" >&2
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
  # lwIP's equal-window row runs bench_tcp_mem too.
  if [ "$name" = bench_lwip_mem ]; then
    cmake --build "$build" -j"$(nproc)" --target bench_tcp_mem >/dev/null
  fi
done
echo "compiler: $("$cc" --version | head -n1); flags: -O2"
table=()
# axnet beside lwIP: rows "what|axnet|lwIP|ratio" (filled when lwip_mem runs).
vs=()
axn_gbps="" axn_ir="" lwip_gbps="" lwip_ir=""

# Callgrind's total instructions over the payload bytes of `bench_NAME ARGS`
# (default: bench_tcp_mem).
callgrind_ir_per_byte() {
  local out prog=${1:-bench_tcp_mem}
  [ $# -gt 0 ] && shift
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$build/$prog" --bytes "$cg_bytes" "$@" >/dev/null 2>&1
  awk -v b="$cg_bytes" '/^(summary|totals):/ { ir = $2 } END { printf "%d Ir / %d bytes = %.2f Ir/byte", ir, b, ir / b }' "$out"
  rm -f "$out"
}

# "X" of the "X Gbit/s per CPU second" of a bench_tcp_mem-format line in $log.
per_cpu_gbps() {
  sed -nE 's/.*payload bytes in .*: ([0-9.]+) Gbit\/s per CPU second.*/\1/p' "$log"
}
# The ratio a/b to two decimals.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}
# "N" of callgrind_ir_per_byte's "... = N Ir/byte".
ir_of() {
  local v=${1##*= }
  echo "${v%% *}"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for name in "${names[@]}"; do
  echo "== $name"
  case $name in
    bench_tcp_mem)
      "$build/$name" --bytes "$tcp_mem_bytes" | tee "$log"
      table+=("in-memory bulk, one core, $tcp_mem_bytes bytes|$(sed -nE 's/.*: ([0-9.]+ Gbit\/s) \(.*: ([0-9.]+ Gbit\/s per CPU second).*/\1 wall, \2/p' "$log")")
      axn_gbps=$(per_cpu_gbps)
      if command -v valgrind >/dev/null; then
        cg=$(callgrind_ir_per_byte)
        echo "callgrind, $cg_bytes bytes: $cg"
        table+=("in-memory instructions per payload byte|${cg##*= } ($cg)")
        axn_ir=$(ir_of "$cg")
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
    bench_lwip_mem)
      "$build/$name" --bytes "$tcp_mem_bytes" | tee "$log"
      table+=("lwIP in-memory bulk, one core, $tcp_mem_bytes bytes|$(sed -nE 's/.*payload bytes in .*: ([0-9.]+ Gbit\/s) \(.*: ([0-9.]+ Gbit\/s per CPU second).*/\1 wall, \2/p' "$log")")
      table+=("lwIP build|$(sed -nE 's/^bench_lwip_mem: lwIP ([^:]*) build: ([^;]*);.*/\1: \2/p' "$log")")
      lwip_gbps=$(per_cpu_gbps)
      # axnet at lwIP's window: the equal-buffer comparison.
      "$build/bench_tcp_mem" --bytes "$tcp_mem_bytes" --sndbuf "$eq_buf" --rcvbuf "$eq_buf" | tee "$log"
      table+=("in-memory bulk, axnet at a 64 KiB window|$(sed -nE 's/.*: ([0-9.]+ Gbit\/s) \(.*: ([0-9.]+ Gbit\/s per CPU second).*/\1 wall, \2/p' "$log")")
      axn64_gbps=$(per_cpu_gbps)
      vs+=("Gbit/s per CPU second, axnet at a 64 KiB window (lwIP's)|$axn64_gbps|$lwip_gbps|$(ratio "$axn64_gbps" "$lwip_gbps")")
      if command -v valgrind >/dev/null; then
        cg=$(callgrind_ir_per_byte bench_lwip_mem)
        echo "callgrind, lwIP, $cg_bytes bytes: $cg"
        table+=("lwIP in-memory instructions per payload byte|${cg##*= } ($cg)")
        lwip_ir=$(ir_of "$cg")
        cg=$(callgrind_ir_per_byte bench_tcp_mem --sndbuf "$eq_buf" --rcvbuf "$eq_buf")
        echo "callgrind, axnet at a 64 KiB window, $cg_bytes bytes: $cg"
        axn64_ir=$(ir_of "$cg")
        vs+=("instructions per payload byte, axnet at a 64 KiB window (lower is better)|$axn64_ir|$lwip_ir|$(ratio "$axn64_ir" "$lwip_ir")")
      fi
      ;;
    *)
      "$build/$name"
      ;;
  esac
done
# axnet's default run beside lwIP, when bench_tcp_mem ran in this invocation too.
if [ -n "$lwip_gbps" ] && [ -n "$axn_gbps" ]; then
  vs=("Gbit/s per CPU second, axnet's default buffers (auto-tuned up to 6 MiB)|$axn_gbps|$lwip_gbps|$(ratio "$axn_gbps" "$lwip_gbps")" "${vs[@]}")
  if [ -n "$axn_ir" ] && [ -n "$lwip_ir" ]; then
    vs+=("instructions per payload byte, axnet's default buffers (lower is better)|$axn_ir|$lwip_ir|$(ratio "$axn_ir" "$lwip_ir")")
  fi
fi

if [ ${#table[@]} -gt 0 ]; then
  echo
  echo "| figure | value |"
  echo "| --- | --- |"
  for row in "${table[@]}"; do
    echo "| ${row%%|*} | ${row#*|} |"
  done
fi
if [ ${#vs[@]} -gt 0 ]; then
  echo
  echo "In-memory bulk TCP, one core, $tcp_mem_bytes bytes (callgrind: $cg_bytes bytes):"
  echo "| figure | axnet | lwIP 2.1.3 | axnet / lwIP |"
  echo "| --- | --- | --- | --- |"
  for row in "${vs[@]}"; do
    echo "| ${row//|/ | } |"
  done
fi
