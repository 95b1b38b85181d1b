#!/usr/bin/env bash
# Compiles the core (src/) and port/none freestanding, as a kernel would,
# links the objects together, and fails if anything outside the four
# mem* functions is left undefined.
#
#   scripts/check-freestanding.sh CC ARCH
#
# -nostdinc keeps libc headers out: only the compiler's own freestanding
# headers (stdint.h, stddef.h, stdbool.h, stdarg.h, ...) are reachable.
set -euo pipefail
cc=$1
arch=$2
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ccinc=$("$cc" -print-file-name=include)
flags=(-std=c11 -ffreestanding -nostdlib -nostdinc -isystem "$ccinc" -fno-pic -O2
       -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wvla
       -I"$top/include" -I"$top/src")
case $arch in
  x86_64) flags+=(-m64 -mno-red-zone) ;;
  riscv64) flags+=(-march=rv64gc -mabi=lp64d -mcmodel=medany) ;;
  *) echo "unknown arch $arch" >&2; exit 2 ;;
esac

mapfile -t srcs < <(find "$top/src" "$top/port/none" -name '*.c' | sort)
objs=()
for s in "${srcs[@]}"; do
  o="$work/$(echo "${s#$top/}" | tr '/' '_').o"
  "$cc" "${flags[@]}" -c "$s" -o "$o"
  objs+=("$o")
done
"$cc" "${flags[@]}" -r -o "$work/axnet.o" "${objs[@]}"

allowed='^(memcpy|memmove|memset|memcmp)$'
bad=$(nm -u "$work/axnet.o" | awk '{print $NF}' | grep -Ev "$allowed" || true)
if [ -n "$bad" ]; then
  echo "freestanding $arch: undefined symbols beyond mem*:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "freestanding $arch: ${#objs[@]} files compiled with $cc; undefined: $(nm -u "$work/axnet.o" | awk '{print $NF}' | tr '\n' ' ')"
