#!/usr/bin/env bash
# Builds the web app into $1 and writes the C++ asset table $2 (called by CMake).
# node_modules is reinstalled (npm ci) only when package-lock.json has changed.
set -euo pipefail
cd "$(dirname "$0")"
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.gamepicker-lock-sha256
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_hash" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi
node build.mjs "$1" "$2"
