#!/usr/bin/env bash
# The README's demo command: build (optimised, no sanitizers) and run
# `axnet demo` — two stacks on a simulated lossy wire, virtual time: the
# client boots by DHCP, resolves the gateway's name by DNS, then pings it,
# talks UDP and TCP to it, and downloads a 1 MiB file from its HTTP server
# (SHA-256 checked).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh demo
build=build/demo
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAXN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target axnet_tool >/dev/null
mkdir -p out
exec "$build/axnet" demo --pcap out/axnet-demo.pcap "$@"
