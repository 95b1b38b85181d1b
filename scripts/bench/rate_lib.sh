# Shared by the rate scenarios (c_rr_insn.sh, d_conn_rate.sh, f_udp_pps.sh);
# sourced, not run (scripts/bench.sh runs only [a-z]_*.sh). The caller
# calls rate_setup first, and sets, for rate_systems:
#   rate_metric, rate_unit  RESULT names: ${rate_metric}_per_cpu_s, _per_s, in
#                           "$rate_unit" ("round trips/s");
#   ir_metric, ir_what      the callgrind RESULT and its unit ("round trip");
#   rate_args               an array: what every run passes after --count;
#   per_cpu, per_wall       functions: the two rates from a program's line;
#   rate_more SYS VARIANT   optional function: more RESULTs from $rate_out.
# shellcheck shell=bash disable=SC2154

# The scenario `s`, the build directory `build` (BENCH_BUILD), and the units
# of work of a timed run and of the smaller callgrind run, `count` and
# `cg_count` (the QUICK ones when BENCH_QUICK=1):
#   rate_setup SCENARIO COUNT CG_COUNT QUICK_COUNT QUICK_CG_COUNT
rate_setup() {
  s=$1 build=${BENCH_BUILD:-build/bench} count=$2 cg_count=$3
  if [ "${BENCH_QUICK:-0}" = 1 ]; then count=$4 cg_count=$5; fi
  valgrind=0
  if have_valgrind; then valgrind=1; fi
}

result() { printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$@"; }
note() { printf 'NOTE\t%s\t%s\t%s\n' "$s" "$1" "$2"; }

# Runs `PROG ARGS` from the build, on CPU 0 when AFFINITY is "pinned":
#   timed AFFINITY PROG ARGS...
timed() {
  local pin=$1 prog=$2
  shift 2
  if [ "$pin" = pinned ]; then
    taskset -c 0 "$build/$prog" "$@"
  else
    "$build/$prog" "$@"
  fi
}

# Callgrind's total instructions of one run of `PROG ARGS` (empty if it failed).
ir_total() {
  local out rc=0
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>&1 || rc=$?
  [ "$rc" = 0 ] && awk '/^(summary|totals):/ { ir = $2 } END { print ir }' "$out"
  rm -f "$out"
}

# Instructions per unit of work of PROG: (Ir(--count 2N) - Ir(--count N)) / N,
# to a whole instruction; the difference leaves out set-up and tear-down
# (stack creation, dlmopen, the first connection):
#   ir_per_unit N PROG ARGS...
ir_per_unit() {
  local n=$1 prog=$2 a b
  shift 2
  a=$(ir_total "$build/$prog" --count "$n" "$@")
  b=$(ir_total "$build/$prog" --count $((2 * n)) "$@")
  [ -n "$a" ] && [ -n "$b" ] || return 1
  awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.0f", (b - a) / n }'
}

have_valgrind() {
  command -v valgrind >/dev/null && return 0
  note - "valgrind missing: no instruction counts"
  return 1
}

# One timed run of PROG with --count and rate_args, its line printed and
# its two rates reported: rate_run SYS VARIANT AFFINITY(pinned|unpinned) PROG ARGS...
rate_run() {
  local sys=$1 variant=$2 pin=$3 prog=$4
  shift 4
  rate_out=$(timed "$pin" "$prog" --count "$count" "${rate_args[@]}" "$@")
  echo "$sys ($variant): $rate_out"
  result "$sys" "$variant" "${rate_metric}_per_cpu_s" "$(per_cpu "$rate_out")" "$rate_unit per CPU s" higher
  result "$sys" "$variant" "${rate_metric}_per_s" "$(per_wall "$rate_out")" "$rate_unit" higher
  if declare -F rate_more >/dev/null; then rate_more "$sys" "$variant"; fi
}

# Callgrind's instructions per unit of work of SYS's PROG: rate_insns SYS PROG
rate_insns() {
  local sys=$1 prog=$2 ir
  [ "$valgrind" = 1 ] || return 0
  if ir=$(ir_per_unit "$cg_count" "$prog" "${rate_args[@]}"); then
    echo "$sys: callgrind, $((2 * cg_count)) minus $cg_count ${ir_what}s: $ir instructions per $ir_what"
    result "$sys" 1-thread "$ir_metric" "$ir" "Ir/$ir_what" lower
  else
    note "$sys" "callgrind run of $prog failed"
  fi
}

# Every rate scenario's runs: axnet's and lwIP's programs single-threaded and
# pinned, with their instruction counts, then Linux's with one thread and two
# (pinned and unpinned): rate_systems AXNET_PROG LWIP_PROG LINUX_PROG
rate_systems() {
  local axn=$1 lwip=$2 linux=$3
  rate_run axnet 1-thread pinned "$axn"
  rate_insns axnet "$axn"
  if [ -x "$build/$lwip" ]; then
    rate_run lwip 1-thread pinned "$lwip"
    rate_insns lwip "$lwip"
  else
    note lwip "liblwip-dev missing (scripts/deps.sh bench)"
  fi
  rate_run linux 1-thread pinned "$linux" --threads 1
  rate_run linux 2-threads-pinned pinned "$linux" --threads 2
  rate_run linux 2-threads-unpinned unpinned "$linux" --threads 2
}
