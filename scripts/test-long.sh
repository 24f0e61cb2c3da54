#!/usr/bin/env bash
# `npm run test:long`: the long reliability checks, one after another (they need the cores):
# load (LOAD_SESSIONS=50 sessions × LOAD_SECONDS=300 s) and soak (SOAK_MINUTES=30, one session).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh server || exit 1
status=0
echo "=== load: ${LOAD_SESSIONS:-50} sessions × ${LOAD_SECONDS:-300} s"
LOAD_SESSIONS="${LOAD_SESSIONS:-50}" LOAD_SECONDS="${LOAD_SECONDS:-300}" LOAD_GRACE_SECONDS="${LOAD_GRACE_SECONDS:-300}" \
  npx vitest run --project server tests/server/load.test.ts || status=1
echo "=== soak: ${SOAK_MINUTES:-30} min"
npx vitest run --project long || status=1
exit $status
