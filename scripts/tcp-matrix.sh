#!/usr/bin/env bash
# The long TCP runs of issues 5 and 6, on an optimised build without sanitizers
# in build/tcp-matrix (never part of `make test`):
#
#   scripts/tcp-matrix.sh [sim]   the transfer matrix: every condition of
#                                 tests/unit/test_tcp_transfer.c x 100 seeds,
#                                 4 MiB each way, one process per
#                                 (condition, seed), $JOBS at a time
#   scripts/tcp-matrix.sh interop the TAP interop test's two large
#                                 transfers with 1 GiB each way, clean and
#                                 with 1 % loss (root;
#                                 tests/interop/test_tcp_tap.c)
#   scripts/tcp-matrix.sh all     both
#
# Environment: BYTES (default 4194304), SEEDS (100), JOBS (nproc), CONDS
# (space-separated condition names, default all), TAP_BYTES (1073741824),
# BUILD_DIR (build/tcp-matrix), TAP_TESTS (cmocka name pattern, default
# the two large transfers; '*' for the whole program), KEEP_PCAP=1 keeps
# the captures (about 2.2 GiB each per GiB each way).
# Logs: build/tcp-matrix/logs/<condition>-<seed>.log; a failing run's
# replay command is printed at the end (and in its log). The interop run
# logs to build/tcp-matrix/tcp-interop.log and ends with its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-sim}
build=$(realpath -m "${BUILD_DIR:-build/tcp-matrix}")
bytes=${BYTES:-4194304}
seeds=${SEEDS:-100}
jobs=${JOBS:-$(nproc)}
conds=${CONDS:-"clean loss1 loss5 reorder dup delay100 jitter1to100 mixed loss10 corrupt1 reorder20 hostile"}
tap_bytes=${TAP_BYTES:-1073741824}
tap_tests=${TAP_TESTS:-large_transfer_*}

case $what in
  sim|interop|all) ;;
  *) echo "usage: $0 [sim|interop|all]" >&2; exit 2 ;;
esac

scripts/deps.sh test
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DAXN_SANITIZE=OFF -DAXN_FUZZ=OFF \
  -DAXN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target test_tcp_transfer test_tcp_tap >/dev/null
bin=$(find "$build" -type f -name test_tcp_transfer -perm -u+x | head -n1)
tap=$(find "$build" -type f -name test_tcp_tap -perm -u+x | head -n1)
rc=0

run_sim() {
  local logs=$build/logs
  rm -rf "$logs" && mkdir -p "$logs"
  echo "tcp matrix: $bytes bytes each way, seeds 1..$seeds, conditions: $conds, $jobs jobs"
  local start=$SECONDS
  # One (condition, seed) per process: a failure is its own log and replay.
  for c in $conds; do
    for s in $(seq "$seeds"); do echo "$c $s"; done
  done | MATRIX_BIN=$bin MATRIX_LOGS=$logs AXN_TCP_MATRIX_BYTES=$bytes \
    xargs -P "$jobs" -L 1 sh -c '
    log="$MATRIX_LOGS/$1-$2.log"
    if AXN_TCP_MATRIX_COND=$1 AXN_TCP_MATRIX_SEED=$2 "$MATRIX_BIN" >"$log" 2>&1; then
      rm -f "$log"
    else
      echo "FAIL $1 seed $2"
    fi' sh || true
  local failed
  failed=$(ls "$logs" | wc -l)
  echo "tcp matrix: $((SECONDS - start)) s, $failed failed run(s)"
  for f in "$logs"/*.log; do
    [ -e "$f" ] || continue
    echo "== $f"
    grep -E "replay:|\[  ERROR   \]|FAILED|error" "$f" | head -n 5
  done
  [ "$failed" -eq 0 ] || rc=1
}

# The namespaces a test process left (they are named axn-<tag>-<pid>-<n>;
# the test deletes its own, this is for a killed run).
delete_namespaces() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^axn-stcpp?-$1-" || true); do
    ip netns delete "$ns" || true
  done
}

run_interop() {
  local log=$build/tcp-interop.log pid status
  echo "tcp interop: $tap_bytes bytes each way over TAP, tests '$tap_tests'; log $log"
  local start=$SECONDS
  AXN_BUILD_DIR=$build AXN_TCP_TAP_BYTES=$tap_bytes AXN_TCP_TAP_TEST=$tap_tests \
    "$tap" >"$log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid; delete_namespaces $pid; exit 130' INT TERM
  status=0
  wait $pid || status=$?
  trap - INT TERM
  delete_namespaces $pid
  echo "tcp interop: exit $status after $((SECONDS - start)) s"
  grep -E "^\[ +(OK|FAILED|SKIPPED|ERROR) +\]|bytes in|SHA-256 match|retransmitted|loss each way|dropped|did not|differs|error" \
    "$log" || true
  if [ "${KEEP_PCAP:-0}" = 1 ]; then
    ls -l "$build"/test_tcp_tap_*.pcap 2>/dev/null || true
  else
    rm -f "$build"/test_tcp_tap_*.pcap
  fi
  [ "$status" -eq 0 ] || rc=1
}

case $what in
  sim) run_sim ;;
  interop) run_interop ;;
  all) run_sim; run_interop ;;
esac
exit $rc
