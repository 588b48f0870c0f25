#!/usr/bin/env bash
# One command: install dependencies, build, and start gamepicker on SQLite with
# the bundled catalogue seeded (first start). Secrets: ADMIN_KEY and JWT_SECRET
# from the environment, or generated once into data/secrets.env.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
mkdir -p data
if [[ -z "${ADMIN_KEY:-}" || -z "${JWT_SECRET:-}" ]]; then
  if [[ ! -f data/secrets.env ]]; then
    umask 077
    printf 'ADMIN_KEY=%s\nJWT_SECRET=%s\n' "$(openssl rand -hex 12)" "$(openssl rand -hex 32)" > data/secrets.env
  fi
  set -a; source data/secrets.env; set +a
  echo "admin key (from data/secrets.env): $ADMIN_KEY"
fi
exec ./build/gamepicker "$@"  # database ./data/gamepicker.db, the bundled catalogue (DB, CATALOGUE override)
