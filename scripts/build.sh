#!/usr/bin/env bash
# Configures and builds into ./build (reused between runs). BUILD_TYPE defaults to Release.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build build -j"${JOBS:-2}"
