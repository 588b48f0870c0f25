#!/usr/bin/env bash
# One command: install dependencies, build, and run the whole test suite
# (GoogleTest unit tests + integration tests against the real binary), then the
# same suite built with clang under AddressSanitizer + UndefinedBehaviorSanitizer,
# and the libFuzzer targets for FUZZ_SECONDS (60) each.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
(cd build && ctest --output-on-failure -j2 --timeout 600)

cmake -S . -B build-asan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGAMEPICKER_SANITIZE=ON -DGAMEPICKER_BUILD_BENCH=OFF -DGAMEPICKER_FUZZ_SECONDS="${FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-asan -j"${JOBS:-2}"
cd build-asan
# A small quarantine: the memory-bound tests measure RSS.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:quarantine_size_mb=16 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Browser tests hold first-paint and latency budgets set for the Release binary: not here.
ctest --output-on-failure -j2 --timeout 900 -LE fuzz -E '^browser\.'
ctest --output-on-failure -j2 -L fuzz
