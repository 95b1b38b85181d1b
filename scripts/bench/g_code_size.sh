#!/usr/bin/env bash
# (g) Code size: `size` (Berkeley: text includes read-only data) of axnet
# and of lwIP 2.1.3, both built by gcc 12 -Os for x86-64 and riscv64
# (rv64gc, riscv64-linux-gnu-gcc) with the same code generation flags
# (-ffreestanding -Os -fno-pic, no unwind tables as kernels build, the
# arch flags below), each library's objects linked into one relocatable
# object (ld -r), so nothing is dropped as unreferenced.
#
# axnet: src/ compiled as scripts/check-freestanding.sh does (-std=c11
# -nostdinc). Feature sets: all (every file of src/: TCP, UDP, IPv4, ARP,
# ICMP, sockets, control plane, DHCP client and server, DNS resolver) and
# core (without src/svc/: no DHCP, no DNS resolver).
#
# lwIP: Debian's own source package (apt-get source lwip, the version of
# the installed liblwip0; the .dsc and tarballs cached in
# $BENCH_BUILD/lwip-src, fetched only when missing; the only network
# access, to the Debian archive of /etc/apt/sources.list.d/debian.sources)
# unpacked with its patches (dpkg-source -x). The stack files Debian's
# build puts in liblwip.so (debian/patches/cmake: lwipnoapps_SRCS, minus
# slipif.c; the PPP files compile to nothing, PPP_SUPPORT is 0, and are
# skipped) with Debian's lwipopts.h and port headers (port/include, which
# liblwip-dev installs as /usr/include/lwip), -std=gnu11 and libc headers
# (lwIP's port needs them; Debian builds with gcc's gnu17). Not the unix
# port (sys_arch.c, the tapif/sio netifs): OS glue, as axnet's port/ and
# drivers/ are not counted. Feature sets (bench/lwip/lwip_size_opts.h):
#   debian  Debian's options as built (IPv4 and IPv6, LWIP_ASSERT on);
#   core    IPv4 only, no asserts (lines up with axnet's core);
#   all     core plus the DHCP client and DNS resolver (axnet's all).
# Offline or without dpkg-dev / the riscv64 libc headers, a NOTE says so.
#
# Also like for like with Debian's binary liblwip.so.0 (x86-64, -O2,
# PIC, with the unix port): axnet built -O2 -fPIC and linked -shared.
#
#   BENCH_BUILD=build/bench scripts/bench/g_code_size.sh  (BENCH_QUICK changes nothing)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
s=g_code_size
build=${BENCH_BUILD:-build/bench}
lwip_cache=$build/lwip-src
lwip_so=/usr/lib/x86_64-linux-gnu/liblwip.so.0
lwip_opts=$top/bench/lwip/lwip_size_opts.h
apt_sources=/etc/apt/sources.list.d/debian.sources
apt_keyring=/usr/share/keyrings/debian-archive-keyring.gpg
fetch_timeout_s=120
# The Filelists.cmake sets of Debian's liblwip.so (lwipnoapps_SRCS, less PPP).
lwip_sets=" lwipcore_SRCS lwipcore4_SRCS lwipcore6_SRCS lwipapi_SRCS lwipnetif_SRCS lwipsixlowpan_SRCS "
cg_flags=(-ffreestanding -Os -fno-pic -fno-asynchronous-unwind-tables -fno-unwind-tables)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

result() { printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$@"; }
note() { printf 'NOTE\t%s\t%s\t%s\n' "$s" "$1" "$2"; }

# Compiles the .c files named on stdin (paths under ROOT) with CC ARGS...
# into $work/TAG/, in parallel; fails when one does not compile.
compile_list() {
  local tag=$1 root=$2 cc=$3
  shift 3
  mkdir -p "$work/$tag"
  # shellcheck disable=SC2016 # the inner sh expands them
  xargs -P "$(nproc)" -I{} sh -c 'o=$1/$(echo "$2" | tr / _).o; shift 2; "$@" -c "$0" -o "$o"' \
    "$root/{}" "$work/$tag" {} "$cc" "$@"
}

# Compiles every .c of axnet's src/ with CC ARGS... into $work/TAG/.
compile_axnet() {
  local tag=$1 cc=$2
  shift 2
  local ccinc
  ccinc=$("$cc" -print-file-name=include)
  (cd "$top" && find src -name '*.c' | sort) |
    compile_list "$tag" "$top" "$cc" -std=c11 -ffreestanding -nostdlib -nostdinc \
      "-ffile-prefix-map=$top=." -isystem "$ccinc" \
      -I"$top/include" -I"$top/src" "$@"
}

# Links TAG's objects (all, or without src/svc/) into OUT with CC ARGS.
link() {
  local tag=$1 set=$2 out=$3 cc=$4
  shift 4
  local objs=() o
  for o in "$work/$tag"/*.o; do
    [ "$set" = core ] && [[ $o == */src_svc_* ]] && continue
    objs+=("$o")
  done
  "$cc" "$@" -o "$out" "${objs[@]}"
}

# Berkeley `size` of FILE: "text total".
text_total() { "$1" "$2" | awk 'NR == 2 { print $1, $4 }'; }

# One figure pair (text alone, text+data+bss) for SYSTEM VARIANT FILE.
report() {
  local sys=$1 variant=$2 sz=$3 file=$4 text total
  read -r text total < <(text_total "$sz" "$file")
  echo "$sys $variant: text $text bytes, text+data+bss $total bytes ($(basename "$file"))"
  result "$sys" "$variant" text_bytes "$text" bytes lower
  result "$sys" "$variant" total_bytes "$total" bytes lower
}

# "URI SUITE" of the system's first non-security Debian archive (deb822).
apt_archive() {
  local line
  line=$(awk 'BEGIN { RS = "" } {
      uri = ""; suite = ""
      n = split($0, l, "\n")
      for (i = 1; i <= n; i++) {
        split(l[i], w, " ")
        if (w[1] == "URIs:") uri = w[2]
        if (w[1] == "Suites:") suite = w[2]
      }
      if (uri != "" && suite != "" && suite !~ /-security$/) { print uri, suite; exit }
    }' "$apt_sources" 2>/dev/null || true)
  # No archive configured: no fetch (the script names no host of its own;
  # it asks the archive the system already installs its packages from).
  echo "$line"
}

# Downloads Debian's lwip source package (VERSION, or the newest when empty)
# into $lwip_cache with apt-get, using a private deb-src list and state
# (the system's apt configuration is not touched). Fails when offline.
fetch_lwip() {
  local ver=$1 d=$work/apt uri suite
  read -r uri suite < <(apt_archive) || true
  if [ -z "${uri:-}" ]; then
    echo "g_code_size: no Debian archive in $apt_sources" >&2
    return 1
  fi
  mkdir -p "$d/etc" "$d/lists/partial" "$d/cache/archives/partial" "$d/dl"
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
    "$uri" "$suite" "$apt_keyring" >"$d/etc/src.sources"
  local o=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$d/etc"
    -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o Acquire::Retries=0)
  echo "lwip: fetching Debian's source package lwip${ver:+ $ver} from $uri $suite"
  timeout "$fetch_timeout_s" apt-get "${o[@]}" update -qq >"$work/fetch.log" 2>&1 || return 1
  # The installed version, else (gone from the archive) the archive's.
  (cd "$d/dl" && { timeout "$fetch_timeout_s" apt-get "${o[@]}" source --download-only \
    "lwip${ver:+=$ver}" || timeout "$fetch_timeout_s" apt-get "${o[@]}" source \
    --download-only lwip; }) >>"$work/fetch.log" 2>&1 || return 1
  mkdir -p "$lwip_cache"
  mv "$d/dl"/lwip_* "$lwip_cache/"
}

# The first apt error or warning of the fetch that says why it failed.
fetch_error() {
  grep -E '^(W|E|Err):' "$work/fetch.log" 2>/dev/null | grep -v unsandboxed | head -n 1 || true
}

# Sets lwip_src to the patched lwIP source tree ($work/lwip), fetching the
# source package first when the cache does not hold it; fails with a NOTE.
lwip_source() {
  local ver dsc
  ver=$(dpkg-query -W -f='${source:Version}' liblwip0 2>/dev/null || true)
  dsc=$lwip_cache/lwip_${ver#*:}.dsc
  [ -n "$ver" ] || dsc=$(find "$lwip_cache" -name 'lwip_*.dsc' 2>/dev/null | sort | tail -n 1)
  if [ -z "$dsc" ] || [ ! -r "$dsc" ]; then
    if ! fetch_lwip "$ver"; then
      note lwip "cannot fetch Debian's lwip source package (offline? $(fetch_error)): no -Os lwIP figure"
      return 1
    fi
    dsc=$(find "$lwip_cache" -name 'lwip_*.dsc' | sort | tail -n 1)
  fi
  if ! command -v dpkg-source >/dev/null; then
    note lwip "dpkg-source missing (dpkg-dev, scripts/deps.sh bench): no -Os lwIP figure"
    return 1
  fi
  if ! dpkg-source -x "$dsc" "$work/lwip" >"$work/unpack.log" 2>&1; then
    note lwip "dpkg-source -x $(basename "$dsc") failed: $(tail -n 1 "$work/unpack.log")"
    return 1
  fi
  lwip_src=$work/lwip
}

# The stack's .c files of Debian's liblwip.so, relative to the tree SRC.
lwip_files() {
  tr -d '\r' <"$1/src/Filelists.cmake" | awk -v want="$lwip_sets" '
    /^set\(/ { name = $0; sub(/^set\(/, "", name); sub(/[ )].*/, "", name)
               inset = index(want, " " name " ") > 0; next }
    /^\)/ { inset = 0 }
    inset && /LWIP_DIR/ { f = $1; sub(/^\$\{LWIP_DIR\}\//, "", f); print f }'
}

# lwIP's feature sets for one arch: SRC ARCH CC SIZE ARCH_FLAGS...
lwip_arch() {
  local src=$1 arch=$2 cc=$3 sz=$4
  shift 4
  # -ffile-prefix-map: __FILE__ in LWIP_ASSERT messages as Debian's
  # reproducible build has it ("./src/..."), not our temporary path.
  local base=(-std=gnu11 "${cg_flags[@]}" "$@" "-ffile-prefix-map=$src=."
    -I"$src/src/include" -I"$src/port/include")
  local over=(-include "$src/port/include/lwipopts.h" -include "$lwip_opts")
  local set extra
  for set in debian core all; do
    case $set in
      debian) extra=() ;;
      core) extra=("${over[@]}") ;;
      all) extra=(-DLWIP_SIZE_SERVICES=1 "${over[@]}") ;;
    esac
    if ! lwip_files "$src" | compile_list "lwip-$arch-$set" "$src" "$cc" "${base[@]}" \
      ${extra[@]+"${extra[@]}"} 2>"$work/cc.log"; then
      note lwip "lwIP $set does not compile for $arch ($(grep -m 1 error "$work/cc.log"))"
      continue
    fi
    link "lwip-$arch-$set" all "$work/lwip-$arch-$set.o" "$cc" -nostdlib -r
    report lwip "$arch-Os-$set" "$sz" "$work/lwip-$arch-$set.o"
  done
}

# axnet's and lwIP's -Os figures for ARCH with CC, SIZE and ARCH_FLAGS...
os_arch() {
  local arch=$1 cc=$2 sz=$3
  shift 3
  if ! command -v "$cc" >/dev/null; then
    note axnet "$cc missing (scripts/deps.sh bench): no $arch figure"
    return
  fi
  compile_axnet "$arch-Os" "$cc" "${cg_flags[@]}" "$@"
  for set in all core; do
    link "$arch-Os" "$set" "$work/axnet-$arch-$set.o" "$cc" -nostdlib -r
    report axnet "$arch-Os-$set" "$sz" "$work/axnet-$arch-$set.o"
  done
  [ -n "$lwip_src" ] || return 0
  if ! printf '#include <sys/time.h>\n' | "$cc" -E -x c - >/dev/null 2>&1; then
    note lwip "no libc headers for $cc (libc6-dev-riscv64-cross, scripts/deps.sh bench): no $arch lwIP figure"
    return
  fi
  lwip_arch "$lwip_src" "$arch" "$cc" "$sz" "$@"
}

lwip_src=
lwip_source || true
if [ -n "$lwip_src" ]; then
  nfiles=$(lwip_files "$lwip_src" | wc -l)
  echo "lwip: Debian's source package unpacked, $nfiles files of the stack in liblwip.so, gcc -Os"
  if [ -r /usr/include/lwip/lwipopts.h ] &&
    ! cmp -s /usr/include/lwip/lwipopts.h "$lwip_src/port/include/lwipopts.h"; then
    note lwip "the source package's lwipopts.h differs from the installed /usr/include/lwip/lwipopts.h"
  fi
  note lwip "-Os debian: Debian's lwipopts.h as built: IPv4 (forwarding, fragmentation and reassembly, ARP with queueing, ICMP, IGMP), IPv6 (ND, SLAAC, MLD, ICMPv6, fragmentation, forwarding), raw, UDP and UDP-Lite, TCP (window scaling, keepalive), the netconn and sockets APIs (poll), loopback, Ethernet, bridgeif's FDB, 6LoWPAN (and BLE) and zepif, LWIP_ASSERT on; no DHCP, DNS, AutoIP, PPP or SLIP"
  note lwip "-Os core: debian without IPv6 (and MLD, ICMPv6, 6LoWPAN) and without LWIP_ASSERT (axnet has no run-time asserts), bench/lwip/lwip_size_opts.h; -Os all: core plus the DHCP client and DNS resolver (with netdb.c's getaddrinfo); the unix port (sys_arch.c, tapif) is not counted"
fi

echo "axnet: src/ ($(find "$top/src" -name '*.c' | wc -l) files; core: without src/svc/), gcc -Os"
note axnet "-Os all: every file of src/ (IPv4, ARP, ICMP, TCP, UDP, raw and ping sockets, the control plane, DHCP client and server, DNS resolver); core: without src/svc/ (no DHCP, no DNS); both libraries: gcc 12 ${cg_flags[*]}, -m64 -mno-red-zone or -march=rv64gc -mabi=lp64d -mcmodel=medany, objects linked with ld -r; axnet -std=c11 -nostdinc, lwIP -std=gnu11 with the target's glibc headers"
os_arch x86-64 gcc size -m64 -mno-red-zone
os_arch riscv64 riscv64-linux-gnu-gcc riscv64-linux-gnu-size -march=rv64gc -mabi=lp64d -mcmodel=medany

# Like for like with Debian's liblwip.so.0: -O2, PIC, a shared object.
compile_axnet x86-64-O2-pic gcc -O2 -fPIC
link x86-64-O2-pic all "$work/libaxnet.so" gcc -nostdlib -shared
report axnet x86-64-O2-shared size "$work/libaxnet.so"
if [ -r "$lwip_so" ]; then
  report lwip x86-64-O2-shared size "$(readlink -f "$lwip_so")"
  note lwip "-O2-shared: Debian's binary liblwip.so.0 as shipped (the -Os debian feature set plus the unix port's sys_arch, tapif and sio, and .eh_frame); axnet all of src/ built -O2 -fPIC -shared beside it"
else
  note lwip "liblwip-dev missing (scripts/deps.sh bench): no lwIP -O2 shared size"
fi
