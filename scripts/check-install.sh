#!/usr/bin/env bash
# Installs a build into a scratch prefix and builds a tiny program against
# it through pkg-config, as a user of the installed library would.
set -euo pipefail
build=$1
cc=${2:-cc}
extra=${3:-}
extra=${extra//;/ }
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/axnet/platform.h"
test -f "$prefix/include/axnet/driver.h"
pc=$(find "$prefix" -name axnet.pc)
test -n "$pc"
export PKG_CONFIG_PATH=$(dirname "$pc")
cat > "$prefix/use.c" <<'C'
#include <axnet/platform.h>
#include <axnet/driver.h>
int main(void) { struct axn_platform p = {0}; return axn_platform_check(&p) == 0; }
C
"$cc" $extra "$prefix/use.c" $(pkg-config --cflags --libs axnet) -o "$prefix/use"
"$prefix/use"
echo "installed to $prefix: $(cd "$prefix" && find . -type f | wc -l) files; axnet.pc links"
