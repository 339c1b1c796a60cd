#!/usr/bin/env bash
# Runs vitest, then prints one plain closing line ("N passed, N failed, N skipped") from its JSON reports.
# The install tests (test/install: the bundle installed, the playbook run) use PostgreSQL, Redis and ports of their
# own, so they run beside the rest of the suite, in a second vitest whose output is printed when both are done.
# Arguments (file filters, -t …) go to the main run only; with arguments the install tests run only when named.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p ../var
main_report=../var/vitest-report.json
install_report=../var/vitest-report-install.json
install_log=../var/vitest-install.log
rm -f "$main_report" "$install_report" "$install_log"
install_pid=""
if [ $# -eq 0 ]; then
  npx vitest run test/install --reporter=default --reporter=json --outputFile.json="$install_report" \
    >"$install_log" 2>&1 &
  install_pid=$!
  npx vitest run --exclude 'test/install/**' --reporter=default --reporter=json --outputFile.json="$main_report"
  code=$?
  wait "$install_pid"
  install_code=$?
  echo "---- test/install (ran beside the suite above) ----"
  cat "$install_log"
  [ "$install_code" = 0 ] || code=$install_code
else
  npx vitest run --reporter=default --reporter=json --outputFile.json="$main_report" "$@"
  code=$?
fi
node -e '
  const fs = require("fs");
  const reports = process.argv.slice(1).filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  if (!reports.length) process.exit(0);
  const sum = (k) => reports.reduce((a, r) => a + r[k], 0);
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests") + sum("numTodoTests")} skipped`);
' "$main_report" "$install_report"
exit $code
