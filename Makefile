# The commands of the README. Both install what they need (as root on
# Debian 12) and build out of tree under build/.
#
#   make demo   build everything and run the demo
#   make demo-linux   (root) the stack on a TAP against Linux: DHCP, DNS, HTTP
#   make test   build with ASan+UBSan and run every test through ctest
#
# Separate, longer runs: make fuzz-long, make bench (axnet vs lwIP and
# Linux: table + build/bench/bench.png, docs/performance.md), make
# tcp-matrix, make tcp-interop-long.

.PHONY: demo demo-linux test fuzz-long bench tcp-matrix tcp-interop-long format clean

demo:
	scripts/demo.sh

demo-linux:
	scripts/demo-linux.sh

test:
	scripts/test.sh

fuzz-long:
	scripts/fuzz-long.sh

bench:
	scripts/bench.sh

# TCP transfer matrix: 4 MiB each way x 100 seeds x every condition.
tcp-matrix:
	scripts/tcp-matrix.sh sim

# TCP interop over TAP: the large transfers with 1 GiB each way, clean, with
# 1 % loss, and with 2 % loss plus reordering (root, ~25 min; figures in
# docs/testing.md).
tcp-interop-long:
	scripts/tcp-matrix.sh interop

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
