#!/usr/bin/env bash
# Runs every fuzz target for a long time (default 10 minutes each), one after
# another, keeping the corpus it grows in build/fuzz-long/corpus-<name>.
#   scripts/fuzz-long.sh [seconds-per-target] [target-name-regex]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
filter=${2:-.}
scripts/deps.sh test
build=build/fuzz-long
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DAXN_SANITIZE=ON -DAXN_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
for exe in "$build"/fuzz/fuzz_*; do
  [ -x "$exe" ] || continue
  name=$(basename "$exe")
  echo "$name" | grep -Eq "$filter" || continue
  parser=${name#fuzz_}
  corpus="$build/corpus-$parser"
  mkdir -p "$corpus" "$build/artifacts"
  echo "== $name for ${secs}s"
  "$exe" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$build/artifacts/$name-" "$corpus" "fuzz/corpus/$parser"
done
