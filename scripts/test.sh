#!/usr/bin/env bash
# One command: install dependencies, build, and run the whole test suite
# (GoogleTest unit tests + integration tests against the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j2 --timeout 600
