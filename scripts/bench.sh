#!/usr/bin/env bash
# Builds an optimised build (-O2, no sanitizers, no tests) in build/bench
# and runs every bench_* program in turn.
#
#   scripts/bench.sh            # all benchmarks
#   scripts/bench.sh checksum   # only bench_checksum
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/bench
# clang by default, like the test build; CC=gcc scripts/bench.sh to compare
# (a fresh build/bench is needed when the compiler changes).
cc=${CC:-clang}
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
for name in "${names[@]}"; do
  echo "== $name"
  "$build/$name"
done
