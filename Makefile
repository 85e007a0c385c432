# shiplog — the two commands that matter:
#   make run    install what is missing, build, start PostgreSQL + shiplogd
#   make test   install what is missing, build, run every test suite
# Both work on a fresh Debian 12 machine as root. `make help` lists the rest.

SHELL := /bin/bash
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)

.DEFAULT_GOAL := help
.PHONY: help run test deps build build-asan unit clean format stress

help:
	@echo "make run         build and run shiplogd with a private PostgreSQL (Ctrl-C stops it)"
	@echo "make test        everything CI runs: deps, build (+ Release), unit, valgrind, ASan, fuzz, integration,"
	@echo "                 contract, bench smoke, compose, deploy, browser, make run in a clean clone"
	@echo "make deps        install missing Debian packages"
	@echo "make build       normal build (build/, RelWithDebInfo, -Werror)"
	@echo "make build-asan  clang ASan/UBSan build (build-asan/)"
	@echo "make unit        normal build + unit tests"
	@echo "make format      clang-format the C sources"
	@echo "make stress      the integration and browser stages 20 times beside a CPU hog (STRESS_RUNS=N)"
	@echo "make clean       remove build directories and test results"

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

deps:
	bash scripts/deps.sh

build:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIPLOG_WERROR=ON
	cmake --build build -j $(JOBS)

build-asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSHIPLOG_SANITIZE=ON -DCMAKE_C_COMPILER=clang
	cmake --build build-asan -j $(JOBS)

unit: build
	ctest --test-dir build -L '^unit$$' --output-on-failure --timeout 60 -j $(JOBS)

# Flaky tests are bugs: this finds them (scripts/stress.sh; about 4 minutes a round).
stress:
	bash scripts/stress.sh

clean:
	rm -rf build build-asan build-* test-results test-results-stress

format:
	@command -v clang-format >/dev/null || { echo "clang-format not found: apt-get install clang-format"; exit 1; }
	find server include tests cli -name '*.[ch]' -not -path '*/node_modules/*' 2>/dev/null \
		| xargs -r clang-format -i

# --- fuzzing (tests/fuzz/README.md) ------------------------------------------------------
#   make fuzz        the CI budget: all targets in about FUZZ_BUDGET (120) seconds, -seed=1
#   make fuzz-long   FUZZ_SECONDS (600) per target; findings in build-fuzz/findings/<target>/
FUZZ_BUDGET  ?= 120
FUZZ_SECONDS ?= 600
.PHONY: fuzz fuzz-long fuzz-build

fuzz-build:
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
		-DSHIPLOG_FUZZ=ON -DSHIPLOG_SANITIZE=ON -DSHIPLOG_TESTS=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	bash tests/fuzz/run.sh --build build-fuzz --out build-fuzz/run --budget $(FUZZ_BUDGET) --jobs $(JOBS)

fuzz-long: fuzz-build
	bash tests/fuzz/run.sh --build build-fuzz --out build-fuzz/findings --seconds $(FUZZ_SECONDS) --jobs $(JOBS)

# --- benchmarks (bench/README.md) — not part of `make test` -------------------------------
#   make bench        the four benchmarks, each with its own PostgreSQL (about 20 minutes)
#   make bench-smoke  each in its smoke mode (about 2 minutes; the figures mean nothing)
.PHONY: bench bench-smoke

bench:
	bash bench/ingest.sh
	bash bench/reads.sh
	bash bench/scale.sh
	bash bench/footprint.sh

bench-smoke:
	bash bench/ingest.sh --smoke
	bash bench/reads.sh --smoke
	bash bench/scale.sh --smoke
	bash bench/footprint.sh --smoke
