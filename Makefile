# The two commands of the README. Both install what they need (as root on
# Debian 12) and build out of tree under build/.
#
#   make demo   build everything and run the demo
#   make test   build with ASan+UBSan and run every test through ctest
#
# Separate, longer runs: make fuzz-long, make bench.

.PHONY: demo test fuzz-long bench format clean

demo:
	scripts/demo.sh

test:
	scripts/test.sh

fuzz-long:
	scripts/fuzz-long.sh

bench:
	scripts/bench.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
