#!/usr/bin/env bash
# Sourced by the TAP scenarios (b_iperf3.sh, c_latency.sh): their world of
# a client namespace "$ns" with two persistent TAPs (axnet's "$AX_TAP" and
# lwIP's "$LW_TAP", Linux's side addressed) and one end of a veth pair
# ("$VETH0"), whose other end ("$VETH1") is in the Linux server's
# namespace "$ns2"; a temporary directory "$tmp"; one background server
# at a time ("$srv_pid"). Everything goes on exit, failure and Ctrl-C.
# The sourcing script sets s, ns, ns2, VETH0, VETH1, AX_TAP, AX_LINUX,
# LW_TAP, LW_LINUX, V_CLIENT, V_SERVER, PREFIX, READY_TENTHS, STOP_TENTHS
# and then calls tap_world_init TAG.
# shellcheck disable=SC2154 # those variables are the sourcing script's

# tap_world_init TAG: the temporary directory and the clean-up traps.
tap_world_init() {
  tmp=$(mktemp -d "/tmp/$1-XXXXXX")
  srv_pid=""
  trap tap_world_cleanup EXIT
  trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317 # called by the trap
tap_world_cleanup() {
  [ -n "$srv_pid" ] && kill -KILL "$srv_pid" 2>/dev/null
  for pid in $(ip netns pids "$ns" 2>/dev/null) $(ip netns pids "$ns2" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  ip netns del "$ns" 2>/dev/null || true
  ip netns del "$ns2" 2>/dev/null || true
  rm -rf "$tmp"
}

# add_tap NAME LINUX-ADDR: a persistent TAP in the client namespace.
add_tap() {
  ip netns exec "$ns" ip tuntap add dev "$1" mode tap
  ip -n "$ns" addr add "$2/$PREFIX" dev "$1"
  ip -n "$ns" link set "$1" up
}

world_up() {
  ip netns add "$ns"
  ip netns add "$ns2"
  ip -n "$ns" link set lo up
  ip -n "$ns2" link set lo up
  add_tap "$AX_TAP" "$AX_LINUX"
  add_tap "$LW_TAP" "$LW_LINUX"
  ip link add "$VETH0" netns "$ns" type veth peer name "$VETH1" netns "$ns2"
  ip -n "$ns" addr add "$V_CLIENT/$PREFIX" dev "$VETH0"
  ip -n "$ns2" addr add "$V_SERVER/$PREFIX" dev "$VETH1"
  ip -n "$ns" link set "$VETH0" up
  ip -n "$ns2" link set "$VETH1" up
}

# start_server LOG WORD CMD...: runs CMD in the background (its pid in
# srv_pid: taskset and `ip netns exec` exec, so it is the server's) and
# waits for WORD in LOG.
start_server() {
  local log=$1 word=$2 i
  shift 2
  : >"$log"
  "$@" >"$log" 2>&1 &
  srv_pid=$!
  for ((i = 0; i < READY_TENTHS; i++)); do
    grep -q "$word" "$log" && return 0
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$s: server did not come up: $(tail -n 3 "$log")" >&2
  return 1
}

stop_server() {
  local i
  [ -n "$srv_pid" ] || return 0
  kill -TERM "$srv_pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TENTHS; i++)); do
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$srv_pid" 2>/dev/null || true
  wait "$srv_pid" 2>/dev/null || true
  srv_pid=""
}
