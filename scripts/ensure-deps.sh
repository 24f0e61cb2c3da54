#!/usr/bin/env bash
# Makes a fresh clone runnable ("server" or "all" system packages): system packages, then npm packages when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh "${1:-all}"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: @fugood/whisper.node lists platform builds that were never
  # published for some platforms, which npm ci reports as a lock-file mismatch.
  echo "Installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi
