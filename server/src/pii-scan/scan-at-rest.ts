import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import IORedis from 'ioredis';
import { cnIdValid, luhnValid } from '../protection/pii/checksums';
import { detectPii } from '../protection/pii/detect';

/**
 * Evidence that nothing readable is left at rest: scans the raw bytes of a database dump, every Redis key and value,
 * log files and the object store for card numbers (Luhn + issuer prefix), Chinese resident IDs (check digit and
 * birth date) and CVVs next to their label, written or spoken. Hex-encoded bytea in the dump is decoded and scanned
 * as bytes too, so a plaintext value stored in a binary column is not missed.
 */
export interface Finding {
  source: string;
  kind:
    | 'card_number'
    | 'cn_resident_id'
    | 'cvv'
    | 'spoken_card_number'
    | 'spoken_cvv'
    | 'spoken_pin'
    | 'spoken_otp'
    | 'pin'
    | 'otp'
    | 'date_of_birth';
  /** masked: the scanner's own output must not become a leak */
  sample: string;
}

/** Issuer prefixes of payment cards (Visa, Mastercard, Amex, Discover, JCB, UnionPay, Diners, Maestro). */
const IIN = /^(4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|62|36|30[0-5]|38|50|5[6-8]|6[37])/;

const mask = (s: string) => s.replace(/\d(?=(?:\D*\d){4})/g, '*');

/** Printable ASCII runs of at least 6 characters, like `strings`. */
function printableRuns(buf: Buffer): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= buf.length; i++) {
    const b = i < buf.length ? buf[i] : 0;
    const printable = (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d;
    if (printable && start < 0) start = i;
    else if (!printable && start >= 0) {
      if (i - start >= 6) out.push(buf.toString('latin1', start, i));
      start = -1;
    }
  }
  return out;
}

export function scanText(text: string, source: string, out: Finding[] = []): Finding[] {
  // written card numbers: 13–19 digits, optionally grouped by single spaces or dashes, standing on their own (not
  // inside a longer number, a hex digest or a UUID)
  for (const m of text.matchAll(/(?<![0-9A-Za-z.-])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z.-])/g)) {
    const d = m[0].replace(/\D/g, '');
    if (d.length >= 13 && d.length <= 19 && IIN.test(d) && luhnValid(d))
      out.push({ source, kind: 'card_number', sample: mask(m[0]) });
  }
  for (const m of text.matchAll(/(?<![\dA-Za-z])[1-8]\d{16}[\dXx](?![\dA-Za-z])/g))
    if (cnIdValid(m[0])) out.push({ source, kind: 'cn_resident_id', sample: mask(m[0]) });
  for (const m of text.matchAll(
    /\b(?:cvv2?|cvc2?|security code|card verification (?:value|code))\b\W{0,12}(?:is\W{0,4})?(\d{3,4})\b/gi,
  ))
    out.push({ source, kind: 'cvv', sample: m[0].replace(/\d/g, '*') });
  // spoken forms as a recognizer writes them, PINs and one-time codes next to their label, dates of birth
  const spoken = /\b(?:one|two|three|four|five|six|seven|eight|nine|zero|oh|double)\b/i.test(text);
  if (spoken || /\b(?:pin|otp|one[- ]time|passcode|born|birth|dob)\b/i.test(text)) {
    // numbers in machine text (JSON members: timings, scores, counts) are not values anyone said
    const prose = text.replace(/"\w{1,32}":\s?-?\d+(\.\d+)?/g, (m) => ' '.repeat(m.length));
    for (const f of detectPii(prose, { strict: true })) {
      if (f.type === 'card_number' && spoken) out.push({ source, kind: 'spoken_card_number', sample: mask(f.value) });
      else if (f.type === 'cvv' && spoken) out.push({ source, kind: 'spoken_cvv', sample: '***' });
      else if (f.type === 'pin' || f.type === 'otp')
        out.push({ source, kind: spoken ? `spoken_${f.type}` : f.type, sample: '***' });
      else if (f.type === 'date_of_birth') out.push({ source, kind: 'date_of_birth', sample: '[DOB]' });
    }
  }
  return out;
}

export function scanBytes(buf: Buffer, source: string, out: Finding[] = []): Finding[] {
  for (const run of printableRuns(buf)) {
    // line by line: a dump row, a log record and a Redis value are each one line (their own newlines are escaped),
    // so digits from neighbouring rows (ordinals, counts) are never read as one spoken number
    for (const line of run.split('\n')) scanText(line, source, out);
    // bytea in a plain dump is written as \x<hex>: decode it and look inside
    for (const m of run.matchAll(/\\x((?:[0-9a-f]{2}){8,})/g)) {
      for (const inner of printableRuns(Buffer.from(m[1], 'hex'))) scanText(inner, `${source} (bytea)`, out);
    }
  }
  return out;
}

export async function scanDatabase(url: string, out: Finding[]): Promise<number> {
  const dump = spawnSync('pg_dump', ['--format=plain', '--no-owner', '--dbname', url], { maxBuffer: 4 * 1024 ** 3 });
  if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr.toString().trim()}`);
  scanBytes(dump.stdout, 'database dump', out);
  return dump.stdout.length;
}

export async function scanRedis(url: string, out: Finding[]): Promise<number> {
  const r = new IORedis(url, { maxRetriesPerRequest: 1 });
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await r.scanBuffer(cursor, 'COUNT', 500);
      cursor = next.toString();
      for (const k of batch) {
        keys++;
        const src = `redis ${k.toString('latin1').slice(0, 60)}`;
        scanBytes(k, src, out);
        const parts = await valuesOf(r, k);
        for (const p of parts) scanBytes(p, src, out);
      }
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return keys;
}

/** A key's values as raw bytes, whatever its Redis type. */
async function valuesOf(r: IORedis, k: Buffer): Promise<Buffer[]> {
  switch (await r.type(k)) {
    case 'string':
      return [(await r.getBuffer(k)) ?? Buffer.alloc(0)];
    case 'hash':
      return Object.entries(await r.hgetallBuffer(k)).flatMap(([f, v]) => [Buffer.from(f), v]);
    case 'list':
      return r.lrangeBuffer(k, 0, -1);
    case 'set':
      return r.smembersBuffer(k);
    case 'zset':
      return r.zrangeBuffer(k, 0, -1);
    case 'stream':
      return [Buffer.from(JSON.stringify(await r.xrange(k, '-', '+')))];
    default:
      return [];
  }
}

/** Every regular file under the directories (the object store, logs, audit checkpoints). */
export function scanFiles(paths: string[], out: Finding[]): number {
  let n = 0;
  const walk = (p: string) => {
    if (!fs.existsSync(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    } else if (st.isFile()) {
      n++;
      scanBytes(fs.readFileSync(p), `file ${p}`, out);
    }
  };
  paths.forEach(walk);
  return n;
}
