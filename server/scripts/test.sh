#!/usr/bin/env bash
# Runs vitest, then prints one plain closing line ("N passed, N failed, N skipped") from its JSON reports.
# The install tests (test/install: the bundle installed, the playbook run), then the chaos and fuzz runs, use
# PostgreSQL, Redis and ports of their own (fuzz: a database and key prefix of its own), so they run beside the rest
# of the suite, in a second job whose output is printed when both are done.
# Arguments (file filters, -t …) go to the main run only; with arguments the install tests run only when named.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p ../var
main_report=../var/vitest-report.json
install_report=../var/vitest-report-install.json
install_log=../var/vitest-install.log
chaos_report=../var/vitest-report-chaos.json
rm -f "$main_report" "$install_report" "$install_log" "$chaos_report"
# onnxruntime-node loaded with its telemetry on writes a device id and an event database under the home of whoever runs
# it (and its threads try to send them): a suite that creates that directory has loaded it the wrong way somewhere
ort_cache="${HOME:-/nonexistent}/.cache/Microsoft/DeveloperTools/.onnxruntime"
ort_cache_before=0
[ -e "$ort_cache" ] && ort_cache_before=1
install_pid=""
if [ $# -eq 0 ]; then
  # beside the suite: the install tests, then `npm run chaos` and `npm run fuzz` (servers and ports of their own)
  (
    npx vitest run test/install --reporter=default --reporter=json --outputFile.json="$install_report"
    c1=$?
    # fuzz with half its standalone budget here (the suite beside it shares the machine)
    FUZZ_CASES=${FUZZ_CASES:-1500} npx vitest run --config vitest.chaos.config.mts --reporter=default --reporter=json \
      --outputFile.json="$chaos_report"
    c2=$?
    [ "$c1" = 0 ] && [ "$c2" = 0 ]
  ) >"$install_log" 2>&1 &
  install_pid=$!
  npx vitest run --exclude 'test/install/**' --reporter=default --reporter=json --outputFile.json="$main_report"
  code=$?
  wait "$install_pid"
  install_code=$?
  echo "---- test/install, chaos and fuzz (ran beside the suite above) ----"
  cat "$install_log"
  [ "$install_code" = 0 ] || code=$install_code
else
  npx vitest run --reporter=default --reporter=json --outputFile.json="$main_report" "$@"
  code=$?
fi
if [ "$ort_cache_before" = 0 ] && [ -e "$ort_cache" ]; then
  echo "test suite: $ort_cache was created during the run: something loaded onnxruntime-node with its telemetry on (load it through src/understanding/onnx-runtime.ts)" >&2
  code=1
fi
node -e '
  const fs = require("fs");
  const reports = process.argv.slice(1).filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  if (!reports.length) process.exit(0);
  const sum = (k) => reports.reduce((a, r) => a + r[k], 0);
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests") + sum("numTodoTests")} skipped`);
' "$main_report" "$install_report" "$chaos_report"
exit $code
