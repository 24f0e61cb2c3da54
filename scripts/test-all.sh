#!/usr/bin/env bash
# `npm test`: installs what is missing, builds the extension, then runs the unit, server and
# end-to-end suites one after another (they share 2 cores; real-time streams need them).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || exit 1
npm run --silent build || exit 1

mkdir -p test-results
status=0
for project in unit server e2e; do
  echo "=== $project tests"
  npx vitest run --project "$project" --reporter=default --reporter=json --outputFile="test-results/$project.json" || status=1
done
node scripts/summarize-tests.mjs test-results/unit.json test-results/server.json test-results/e2e.json || status=1
exit $status
