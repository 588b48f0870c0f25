#!/usr/bin/env bash
# Installs every Debian 12 package gamepicker needs to build, run, test and bench.
# Run as root. Skips apt-get entirely when everything is already there.
set -euo pipefail
packages=(
  build-essential cmake pkg-config ccache
  clang libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libcurl4-openssl-dev libssl-dev libjwt-dev libspdlog-dev libcli11-dev
  libgtest-dev
  python3 python3-websockets python3-psycopg2
  postgresql libpq-dev
  wrk sqlite3 curl openssl ca-certificates
  chromium
)
# Node.js 18+ and npm build the web app (web/). A Node.js from elsewhere (e.g. NodeSource,
# which bundles npm) is kept; Debian's own packages are installed only when none is there.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
