# whorl - the two commands of the README, and helpers around them.
#   make demo   set up, build, run the lock/change/check story on examples/project
#   make test   set up, build, run every test; then again under ASan+UBSan;
#               then the readers' tests built without the SIMD fast paths
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all setup build build-asan build-portable demo test test-fast test-asan test-portable bench bench-tables bench-profile bench-formats bench-models bench-check fuzz clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS) >/dev/null

build-asan: setup
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWHORL_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS) >/dev/null

demo: build
	@bash examples/demo.sh build/whorl

test-fast: build
	@cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# The portable paths alone (no SSE2 fast paths: what a non-x86 machine
# runs): the readers' and hashing tests, which hold the ids to the vectors.
# Built as Release (-O3), so that the warnings only -O3 gives stop CI too.
build-portable: setup
	@cmake -S . -B build-portable -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-DWHORL_NO_SIMD $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-portable -j $(JOBS) >/dev/null

test-portable: build-portable
	@cd build-portable && ctest --output-on-failure -j $(JOBS) -R 'unit|fuzz|tables'

test: test-fast test-asan test-portable

bench: build
	@bash scripts/setup.sh --bench
	@bash bench/run.sh build/whorl

# Tables (issue 3): whorl logical level vs DuckDB's row hash and wc -l on a
# generated 1 GB CSV (BENCH_ROWS rows). DuckDB: see bench/tables.sh.
BENCH_ROWS ?= 10000000
bench-tables: build
	@bash bench/tables.sh build/whorl $(BENCH_ROWS)

# Profiles (issue 4): whorl --level profile vs DuckDB SUMMARIZE and pandas.
bench-profile: build
	@bash bench/profile.sh build/whorl $(BENCH_ROWS)

# Parquet and JSON Lines (written by DuckDB from the generated table) against
# DuckDB's row hash and SUMMARIZE on the same files. DuckDB: see bench/formats.sh.
FORMATS_ROWS ?= 2000000
bench-formats: build
	@bash bench/formats.sh build/whorl $(FORMATS_ROWS)

# Models (issue 5): a generated 1 GiB safetensors file against b3sum and sha256sum.
bench-models: build
	@bash bench/models.sh build/whorl

# The CI gate (issue 6): whorl check on a generated 100-artifact, ~5 GB
# project against md5sum/b3sum of everything; row localization; drift report.
bench-check: build
	@bash bench/check.sh build/whorl

# libFuzzer (clang 14): builds every tests/fuzz/fuzz_*.c and runs each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz:
	@bash scripts/setup.sh --fuzz
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DWHORL_FUZZ=ON -DWHORL_SANITIZE=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) >/dev/null
	@for f in tests/fuzz/fuzz_*.c; do n=$$(basename $$f .c); mkdir -p build-fuzz/corpus/$$n; \
	  echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
	  build-fuzz/tests/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

clean:
	rm -rf build build-asan build-fuzz build-portable
