#!/usr/bin/env bash
# The README's test command: every test, through ctest, with ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
build=build/test
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DAXN_SANITIZE=ON -DAXN_FUZZ=ON -DAXN_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
