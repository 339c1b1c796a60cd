import v8 from 'node:v8';

/**
 * Regular expressions that cannot stall the process. V8 runs a regular expression with a backtracking engine; with
 * `--enable-experimental-regexp-engine-on-excessive-backtracks` it switches to its linear-time engine once a match
 * backtracks too much, so `(a+)+$` over 100,000 letters takes milliseconds instead of hours. The linear engine has no
 * backreferences, lookaround or Unicode property classes: a pattern that needs them cannot be rescued, so patterns
 * that come from outside the code (QA policies) are refused unless the linear engine can run them.
 */
let enabled = false;
export function enableLinearRegexpFallback(): void {
  if (enabled) return;
  // the first flag allows the `l` flag, which linearTimePattern uses to ask the engine whether it can run a pattern
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  enabled = true;
}

/** Whether V8's linear-time engine can run `pattern` (it compiles; no backreference, lookaround or \p{…}). */
export function linearTimePattern(pattern: string, flags = ''): boolean {
  enableLinearRegexpFallback();
  try {
    new RegExp(pattern, `${flags}l`);
    return true;
  } catch {
    return false;
  }
}
