#!/usr/bin/env bash
# Makes a fresh clone runnable ("server" or "all" system packages): system packages, then npm packages when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh "${1:-all}"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi
# The whisper.cpp addon: built on install; rebuilt here when missing or older than its source.
addon=native/whisper/build/Release/tc_whisper.node
if [ ! -f "$addon" ] || [ native/whisper/addon.cc -nt "$addon" ] || [ native/whisper/binding.gyp -nt "$addon" ]; then
  node scripts/build-whisper.mjs --optional
fi
