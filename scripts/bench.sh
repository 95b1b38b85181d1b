#!/usr/bin/env bash
# make bench: the benchmarks of docs/performance.md, side by side with lwIP
# (Debian's liblwip-dev) and the Linux kernel where the scenario allows.
#
#   scripts/bench.sh            every scenario (scripts/bench/*_*.sh)
#   scripts/bench.sh a c        scenarios by letter or name (c_latency)
#   BENCH_QUICK=1 scripts/bench.sh   short runs that only check the scripts
#
# Builds build/bench (-O2, no sanitizers, no tests), runs each scenario
# (scripts/bench/README.md: what a scenario prints), collects the RESULT
# and NOTE lines into build/bench/results.tsv, then prints the table and
# writes the chart build/bench/bench.png (scripts/bench/report.sh).
# Scenarios over TAP or in namespaces need root and say so otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh bench
build=${BENCH_BUILD:-build/bench}
# clang by default, like the test build; CC=gcc for the other compiler
# (a fresh build/bench is needed when the compiler changes).
cc=${CC:-clang}
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DAXN_SANITIZE=OFF -DAXN_FUZZ=OFF -DAXN_BUILD_TESTS=OFF -DAXN_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

selected=()
for script in scripts/bench/[a-z]_*.sh; do
  name=$(basename "$script" .sh)
  if [ $# -gt 0 ]; then
    keep=0
    for want in "$@"; do
      [ "$want" = "$name" ] || [ "$want" = "${name%%_*}" ] && keep=1
    done
    [ $keep -eq 1 ] || continue
  fi
  selected+=("$script")
done
if [ ${#selected[@]} -eq 0 ]; then
  echo "bench.sh: no scenario matches: $*" >&2
  exit 2
fi

export BENCH_BUILD=$build BENCH_QUICK=${BENCH_QUICK:-0} BENCH_TOOL=$build/axnet
results=$build/results.tsv
: >"$results"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
{
  echo "# machine: $(nproc) CPUs, $(sed -nE 's/^model name\s*: //p' /proc/cpuinfo | head -n1)," \
    "$(uname -sr), $("$cc" --version | head -n1), -O2, $(date -u +%Y-%m-%dT%H:%MZ)"
} >>"$results"
failed=()
for script in "${selected[@]}"; do
  name=$(basename "$script" .sh)
  echo "== $name"
  rc=0
  bash "$script" 2>&1 | tee "$log" || rc=$?
  grep -E $'^(RESULT|NOTE)\t' "$log" >>"$results" || true
  if [ $rc -ne 0 ]; then
    failed+=("$name")
    printf 'NOTE\t%s\t-\tthe scenario failed (exit %d)\n' "$name" "$rc" >>"$results"
  fi
done
echo
scripts/bench/report.sh "$results" "$build/bench.png"
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench.sh: failed: ${failed[*]}" >&2
  exit 1
fi
