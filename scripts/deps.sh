#!/usr/bin/env bash
# Installs the Debian packages a step needs, only those that are missing.
#   scripts/deps.sh demo|demo-linux|test|bench
set -euo pipefail
need=(cmake make gcc pkg-config)
case ${1:-test} in
  demo) ;;
  demo-linux) need+=(iproute2 dnsmasq-base curl python3) ;;
  test) need+=(clang libclang-rt-14-dev libcmocka-dev gcc-riscv64-linux-gnu binutils
               iproute2 tcpdump tshark arping iputils-ping socat iperf3
               curl netcat-openbsd nftables dnsmasq-base udhcpc) ;;
  # liblwip-dev: the lwIP peer; gnuplot-nox: the chart; valgrind: the
  # instruction counts; the cross compiler: riscv64 code size.
  # libc6-dev-riscv64-cross + dpkg-dev: lwIP's -Os riscv64 build from
  # Debian's source package (scripts/bench/g_code_size.sh).
  bench) need+=(clang liblwip-dev gnuplot-nox valgrind iproute2 socat iperf3
                gcc-riscv64-linux-gnu binutils libc6-dev-riscv64-cross dpkg-dev
                ethtool linux-perf python3) ;; # veth offloads off; context switches; iperf3's JSON
  *) echo "usage: $0 demo|demo-linux|test|bench" >&2; exit 2 ;;
esac
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "need root to install ${missing[*]} (run as root, or install them yourself)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
