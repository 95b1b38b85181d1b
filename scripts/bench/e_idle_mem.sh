#!/usr/bin/env bash
# (e) Memory per idle established TCP connection, with 10 000 and 100 000
# connections. A connection is BOTH of its endpoints (two sockets: client
# and server side, both on the machine measured), for all three systems:
#   axnet  bench_tcp_idle: two stacks on the in-memory wire; the growth of
#          the process's libc heap in use (mallinfo2: what the platform
#          alloc hook got from malloc, chunk headers and rounding included);
#   lwip   bench_lwip_idle: two lwIP 2.1.3 instances (dlmopen) on the same
#          kind of wire; the growth of both instances' own libc heaps
#          (Debian's build mallocs every pcb), checked against the memp
#          sizes;
#   linux  bench_linux_idle over loopback in a namespace made here (root):
#          the kernel's own accounting, the growth of /proc/meminfo's Slab
#          plus the TCP socket memory of /proc/net/sockstat. Slab is
#          machine-wide, so other activity on the machine adds noise; the
#          program prints the slab caches that grew.
# Each figure is the growth from the listeners alone to all N connections
# established, accepted and idle, divided by N.
#
#   BENCH_BUILD=build/bench [BENCH_QUICK=1] scripts/bench/e_idle_mem.sh
set -euo pipefail
build=${BENCH_BUILD:-build/bench}
counts=(10000 100000)
[ "${BENCH_QUICK:-0}" = 1 ] && counts=(1000 5000)
s=e_idle_mem
ns=axn-e-idle-$$

cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

result() { printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$@"; }
note() { printf 'NOTE\t%s\t%s\t%s\n' "$s" "$1" "$2"; }
# 10000 -> 10k
label() { if (($1 % 1000 == 0)); then echo "$(($1 / 1000))k"; else echo "$1"; fi; }
# The number before "bytes per connection (both ends)" on the line of
# OUTPUT that matches PATTERN.
per_conn() { sed -nE "/$2/ s/.* ([0-9]+) bytes per connection \(both ends\).*/\1/p" <<<"$1" | head -n1; }

# SYSTEM N PATTERN OUTPUT: prints the output and its RESULT line.
emit() {
  local sys=$1 n=$2 pat=$3 out=$4 v
  echo "$out"
  v=$(per_conn "$out" "$pat")
  if [ -z "$v" ]; then
    echo "$s: no figure in $sys's output" >&2
    return 1
  fi
  result "$sys" "$(label "$n")" bytes_per_conn "$v" "bytes" lower
}

run_axnet() {
  local n=$1
  emit axnet "$n" "libc heap in use" "$("$build/bench_tcp_idle" --conns "$n")"
}

run_lwip() {
  local n=$1
  if [ ! -x "$build/bench_lwip_idle" ]; then
    note lwip "liblwip-dev missing (scripts/deps.sh bench)"
    return
  fi
  emit lwip "$n" "libc heap in use" "$("$build/bench_lwip_idle" --conns "$n")"
}

# A fresh namespace per run: the previous run's TIME_WAIT sockets and
# freed objects go with it.
run_linux() {
  local n=$1
  if [ "$(id -u)" != 0 ]; then
    note linux "not root: no namespace, no Linux figure"
    return
  fi
  if ! ip netns add "$ns" 2>/dev/null; then
    note linux "cannot create a network namespace here: no Linux figure"
    return
  fi
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
  emit linux "$n" "kernel Slab" "$(ip netns exec "$ns" "$build/bench_linux_idle" --conns "$n")"
  cleanup
}

echo "bytes per idle established connection (both ends) at ${counts[*]} connections"
for n in "${counts[@]}"; do
  run_axnet "$n"
  run_lwip "$n"
  run_linux "$n"
done
