import pino, { Logger } from 'pino';

/**
 * pino JSON logs. Transcript text, tokens and identifiers must never reach a log: the redact list is a safety net,
 * the first line of defence is that code logs ids and counts only.
 */
export const REDACT_PATHS = [
  'text',
  '*.text',
  'words',
  '*.words',
  'messages',
  '*.messages',
  'customerRef',
  '*.customerRef',
  'req.headers.authorization',
  'req.headers.cookie',
  'authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'reason',
  '*.reason',
  'value',
  '*.value',
  'original',
  '*.original',
  'masked',
  '*.masked',
  'key',
  '*.key',
  'wrapped',
  '*.wrapped',
  'privateKey',
  '*.privateKey',
];

/** What this process does (api, worker, all, ingest...): set once by the entry point, shown in every log line. */
export let processRole = 'cli';
export function setProcessRole(role: string) {
  processRole = role;
}

export function createLogger(level: string, name = 'hotline'): Logger {
  return pino({
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid, role: processRole },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export type { Logger };
