#!/usr/bin/env bash
# `make demo-linux` (root): the axnet stack against the Linux kernel. In a
# network namespace of its own (axn-demo-PID) the script puts a TAP whose
# Linux side is 192.0.2.1/24, dnsmasq serving DHCP and DNS on it, and
# `python3 -m http.server` on 192.0.2.1:8000. Then:
#   1. `axnet serve --http` boots by DHCP (dnsmasq reserves it an address
#      and a name) and Linux curl fetches a file from it;
#   2. `axnet http-get` boots by DHCP on the same TAP and fetches a file
#      from python by name (www.axnet.test, through dnsmasq's DNS).
# Each transfer is checked by sha256. Everything goes on any exit.
# AXNET=/path/to/axnet skips the build (the interop test passes its own).
set -euo pipefail
cd "$(dirname "$0")/.."

readonly NS="axn-demo-$$"
readonly TAP="axd0"
readonly LINUX_IP="192.0.2.1"
readonly PREFIX=24
readonly RANGE="192.0.2.50,192.0.2.99"
readonly STACK_MAC="02:00:5e:00:02:0a" # locally administered
readonly STACK_IP="192.0.2.10"         # dnsmasq reserves it for STACK_MAC
readonly DOMAIN="axnet.test"
readonly STACK_NAME="stack"
readonly WWW_NAME="www"
readonly PY_PORT=8000
readonly FILE_BYTES=300000
readonly WAIT_TENTHS=150 # 15 s for a daemon to come up or a lease to come

say() { printf '== step: %s\n' "$*"; }
die() {
  echo "demo-linux: $*" >&2
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  echo "demo-linux: needs root (a network namespace, a TAP, dnsmasq); run: sudo make demo-linux" >&2
  exit 1
fi
export PATH="$PATH:/usr/sbin:/sbin"

if [ -z "${AXNET:-}" ]; then
  scripts/deps.sh demo-linux
  build=build/demo
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAXN_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target axnet_tool >/dev/null
  AXNET="$PWD/$build/axnet"
fi
for prog in ip dnsmasq curl python3 sha256sum; do
  command -v "$prog" >/dev/null || die "$prog not found (scripts/deps.sh test installs it)"
done
[ -x "$AXNET" ] || die "no axnet binary at $AXNET"

tmp=$(mktemp -d /tmp/axn-demo-XXXXXX)
pids=()
cleanup() {
  local rc=$?
  # Our daemons, then anything else still running in our namespace.
  for pid in "${pids[@]}" $(ip netns pids "$NS" 2>/dev/null); do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  ip -n "$NS" link del "$TAP" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$tmp"
  [ "$rc" -eq 0 ] || echo "demo-linux: FAILED (exit $rc)" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Not for `&`: a backgrounded function is a subshell, whose pid is not the
# daemon's; those run `ip netns exec` directly (it execs, keeping the pid).
in_ns() { ip netns exec "$NS" "$@"; }

# Polls (tenths of a second) until the command succeeds.
wait_for() {
  local what=$1
  shift
  for _ in $(seq "$WAIT_TENTHS"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "demo-linux: timed out waiting for $what" >&2
  return 1
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

say "namespace $NS, TAP $TAP with Linux side $LINUX_IP/$PREFIX"
ip netns add "$NS"
in_ns ip link set lo up
in_ns ip tuntap add dev "$TAP" mode tap
in_ns ip addr add "$LINUX_IP/$PREFIX" dev "$TAP"
in_ns ip link set "$TAP" up

say "dnsmasq: DHCP $RANGE, $STACK_NAME.$DOMAIN = $STACK_IP, $WWW_NAME.$DOMAIN = $LINUX_IP"
mkdir -p "$tmp/py" "$tmp/www"
# The stack's name in the hosts file too: dnsmasq drops the name of a
# dhcp-host when its lease is released, and serve releases it on exit.
printf '%s %s\n%s %s\n' "$LINUX_IP" "$WWW_NAME.$DOMAIN" "$STACK_IP" "$STACK_NAME.$DOMAIN" \
  >"$tmp/hosts"
ip netns exec "$NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --pid-file= \
  --interface="$TAP" --bind-interfaces --except-interface=lo --no-resolv --no-hosts \
  --addn-hosts="$tmp/hosts" --domain="$DOMAIN" --local="/$DOMAIN/" --expand-hosts \
  --dhcp-range="$RANGE,1h" --no-ping --dhcp-host="$STACK_MAC,$STACK_IP,$STACK_NAME" \
  --dhcp-option=option:router,"$LINUX_IP" --dhcp-option=option:dns-server,"$LINUX_IP" \
  --dhcp-leasefile="$tmp/leases" --log-facility="$tmp/dnsmasq.log" </dev/null &
pids+=($!)
wait_for "dnsmasq" grep -q started "$tmp/dnsmasq.log" || exit 1

say "python3 -m http.server on $LINUX_IP:$PY_PORT"
head -c "$FILE_BYTES" /dev/urandom >"$tmp/py/file"
ip netns exec "$NS" python3 -m http.server "$PY_PORT" --bind "$LINUX_IP" --directory "$tmp/py" \
  >"$tmp/python.log" 2>&1 </dev/null &
pids+=($!)
wait_for "python3 http.server" in_ns bash -c "exec 3<>/dev/tcp/$LINUX_IP/$PY_PORT" || exit 1

say "axnet serve --http on $TAP, address by DHCP"
head -c "$FILE_BYTES" /dev/urandom >"$tmp/www/file"
ip netns exec "$NS" "$AXNET" serve --http "$tmp/www" --tap "$TAP" --mac "$STACK_MAC" --dhcp \
  >"$tmp/serve.out" 2>"$tmp/serve.err" </dev/null &
serve_pid=$!
pids+=("$serve_pid")
# Ready, or gone (a failed start says why on its stderr).
serve_up() { grep -q ready "$tmp/serve.err" || ! kill -0 "$serve_pid"; }
wait_for "axnet serve" serve_up || true
if ! grep -q ready "$tmp/serve.err"; then
  cat "$tmp/serve.err" >&2
  die "axnet serve did not come up"
fi
lease=$(grep 'DHCP lease' "$tmp/serve.err") || die "axnet serve printed no lease"
echo "$lease"
addr=$(sed -n 's/.*DHCP lease \([0-9.]*\)\/.*/\1/p' <<<"$lease")
[ "$addr" = "$STACK_IP" ] || die "the stack got $addr, not the reserved $STACK_IP"

say "Linux curl http://$addr/file from the stack"
in_ns curl -sS --retry 3 --retry-connrefused -m 10 -o "$tmp/from-stack" "http://$addr/file"
[ "$(sha "$tmp/www/file")" = "$(sha "$tmp/from-stack")" ] || die "curl: sha256 differs"
echo "curl: $FILE_BYTES bytes, sha256 $(sha "$tmp/from-stack") matches"

say "stop axnet serve (SIGTERM)"
kill -TERM "$serve_pid"
wait "$serve_pid" || die "axnet serve exited with status $?"
cat "$tmp/serve.out"

url="http://$WWW_NAME.$DOMAIN:$PY_PORT/file"
say "axnet http-get $url (name by dnsmasq's DNS, address by DHCP)"
if ! in_ns "$AXNET" http-get "$url" -o "$tmp/from-python" --tap "$TAP" --dhcp 2>"$tmp/get.err"; then
  cat "$tmp/get.err" >&2
  die "axnet http-get failed"
fi
grep -v 'bootstrap timed out' "$tmp/get.err" || true
[ "$(sha "$tmp/py/file")" = "$(sha "$tmp/from-python")" ] || die "http-get: sha256 differs"
echo "http-get: $FILE_BYTES bytes, sha256 $(sha "$tmp/from-python") matches"

say "axnet resolve $STACK_NAME.$DOMAIN (the serving stack's name in dnsmasq's DNS)"
in_ns "$AXNET" resolve "$STACK_NAME.$DOMAIN" -4 --tap "$TAP" --dhcp 2>&1 |
  tee "$tmp/resolve.out"
grep -q "has address $STACK_IP" "$tmp/resolve.out" || die "resolve: no $STACK_IP"

say "tear down"
echo "demo-linux OK"
