#!/usr/bin/env bash
# Runs `axnet demo --seed SEED` and checks what it printed, not only its
# exit status: the verdict, the HTTP download (200, the whole 1 MiB, TCP
# retransmissions the lossy wire caused, the same SHA-256 on both sides),
# and that a second run with the same seed prints the same text and writes
# the same pcap (the demo is deterministic for a seed). When tshark is
# installed, the pcap must show the HTTP request and response.
#
#   scripts/check-demo.sh AXNET_BINARY SEED
#
# ctest runs it (tests `demo`, `demo_seed_*` in tests/CMakeLists.txt).
# Exits 0 when every check passed, 1 with a one-line reason otherwise.
set -euo pipefail

axnet=$(readlink -f "${1:?usage: check-demo.sh AXNET_BINARY SEED}") # it runs in a scratch dir
seed=${2:?usage: check-demo.sh AXNET_BINARY SEED}
file_len=1048576

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

die() {
    echo "check-demo (seed $seed): $*" >&2
    exit 1
}

# One run: its output on stdout too, so a failure shows the whole story.
run() {
    local out=$1 pcap=$2 rc=0
    (cd "$tmp" && "$axnet" demo --seed "$seed" --pcap "$pcap") >"$out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || { cat "$out"; die "axnet demo exited $rc"; }
}

# A line matching the extended regex $1 must be in $out.
expect() {
    grep -Eq -- "$1" "$tmp/out1" || { cat "$tmp/out1"; die "no line matching: $1"; }
}

run "$tmp/out1" run1.pcap
expect '^demo OK: '
expect 'client: response head parsed \([0-9]+ bytes\): HTTP/1\.1 200 OK'
expect "body: $file_len bytes \\(Content-Length $file_len\\)"
expect '^  SHA-256 matches$'
expect "HTTP: GET /demo\\.bin -> 200, $file_len of $file_len bytes, SHA-256 matches"

sent=$(sed -n 's/^  SHA-256 sent by the server: *\([0-9a-f]\{64\}\)$/\1/p' "$tmp/out1")
got=$(sed -n 's/^  SHA-256 received by the client: *\([0-9a-f]\{64\}\)$/\1/p' "$tmp/out1")
if [ -z "$sent" ] || [ "$sent" != "$got" ]; then
    die "digests differ or missing: '$sent' '$got'"
fi

# The wire's loss made the gateway retransmit: TCP recovered, visibly.
retrans=$(sed -n 's/.*retransmissions (the wire.s losses): gateway \([0-9]*\) .*/\1/p' "$tmp/out1")
[ "${retrans:-0}" -gt 0 ] || die "no TCP retransmission during the download"

run "$tmp/out2" run2.pcap
sed 's/run1\.pcap/run2.pcap/' "$tmp/out1" | cmp -s - "$tmp/out2" || die "a second run printed other text"
cmp -s "$tmp/run1.pcap" "$tmp/run2.pcap" || die "a second run wrote another pcap"

if command -v tshark >/dev/null; then
    # As the demo says: losses leave segments out of order at the client.
    http=$(tshark -r "$tmp/run1.pcap" -o tcp.reassemble_out_of_order:TRUE -Y http 2>/dev/null)
    grep -q 'GET /demo\.bin HTTP/1\.1' <<<"$http" || die "pcap: no HTTP request (tshark -Y http)"
    grep -q 'HTTP/1\.1 200 OK' <<<"$http" || die "pcap: no HTTP response (tshark -Y http)"
else
    echo "NOTE: tshark not installed: the pcap's HTTP exchange is not checked"
fi
echo "check-demo (seed $seed): demo OK, $file_len bytes, SHA-256 $sent matches," \
    "$retrans retransmissions, same output and pcap on a second run"
