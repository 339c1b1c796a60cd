#!/usr/bin/env bash
# Runs vitest, then prints one plain closing line ("N passed, N failed, N skipped") from its JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p ../var
report=../var/vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
code=$?
if [ -f "$report" ]; then
  node -e '
    const r = require(process.argv[1]);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$(realpath "$report")"
fi
exit $code
