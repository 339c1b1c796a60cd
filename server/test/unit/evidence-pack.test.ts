import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pki } from '../../src/protection/pki';
import {
  buildPack,
  signDetached,
  SIGNATURE,
  SUMS,
  verifyInstructions,
  verifyPack,
} from '../../src/reporting/evidence-pack';

/**
 * The evidence pack is checked two ways: by the appliance's own verifier and by openssl + sha256sum, as an auditor
 * who trusts neither the appliance nor its code would. Every kind of tampering must fail both, with a reason.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
let ca: string;
let otherCa: string;
let signer: { certPem: string; keyPem: string };
let rogue: { certPem: string; keyPem: string };

const files = () => ({
  'report-en.pdf': Buffer.from('%PDF-1.7 not really a pdf but bytes all the same\n'),
  'summary.csv': Buffer.from('measure,value\r\nreceived,12\r\n'),
  'README.txt': Buffer.from(verifyInstructions()),
});

function unpack(zip: Buffer): string {
  const out = fs.mkdtempSync(path.join(dir, 'x-'));
  for (const [n, b] of Object.entries(unzipSync(zip))) fs.writeFileSync(path.join(out, n), b);
  return out;
}

/** openssl cms -verify, then sha256sum -c, then "no extra or missing file" — exactly as the README says */
function auditorChecks(zip: Buffer, caFile: string): { ok: boolean; output: string } {
  const d = unpack(zip);
  const script = [
    'set -e',
    `openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS -CAfile ${caFile} -out /dev/null`,
    'sha256sum -c --strict SHA256SUMS',
    'ls | grep -vxF -e SHA256SUMS -e SHA256SUMS.p7s | sort | diff - <(cut -c67- SHA256SUMS | sort)',
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], { cwd: d, encoding: 'utf8' });
  return { ok: r.status === 0, output: r.stdout + r.stderr };
}

function rezip(zip: Buffer, change: (f: Record<string, Uint8Array>) => void): Buffer {
  const f = unzipSync(zip);
  change(f);
  return Buffer.from(zipSync(f));
}

beforeAll(() => {
  const pki = new Pki(path.join(dir, 'pki'));
  ca = pki.init().certFile;
  const s = pki.issue({ name: 'report-signer', kind: 'signer', sans: [], days: 30 });
  signer = { certPem: fs.readFileSync(s.certFile, 'utf8'), keyPem: fs.readFileSync(s.keyFile, 'utf8') };
  const other = new Pki(path.join(dir, 'other'));
  otherCa = other.init('Somebody Else CA').certFile;
  const r = other.issue({ name: 'report-signer', kind: 'signer', sans: [], days: 30 });
  rogue = { certPem: fs.readFileSync(r.certFile, 'utf8'), keyPem: fs.readFileSync(r.keyFile, 'utf8') };
}, 60_000);

describe('evidence pack', () => {
  it('verifies with the appliance tool and with openssl + sha256sum alone', () => {
    const { zip, manifest } = buildPack(files(), { period: { from: '2026-11-01', to: '2026-11-30' } }, signer);
    const v = verifyPack(zip, fs.readFileSync(ca, 'utf8'));
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.signer?.subject).toContain('report-signer');
    expect((manifest.files as unknown[]).length).toBe(3);
    const a = auditorChecks(zip, ca);
    expect(a.output).toContain('Verification successful');
    expect(a.ok).toBe(true);
  });

  it('the same inputs at the same time give the same pack', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    const a = buildPack(files(), { x: 1 }, signer, at);
    const b = buildPack(files(), { x: 1 }, signer, at);
    // RSA PKCS#1 v1.5 signatures are deterministic, and zip times are fixed
    expect(a.sha256).toBe(b.sha256);
  });

  const tampered: Array<[string, (zip: Buffer) => Buffer, RegExp]> = [
    [
      'a changed byte in a CSV',
      (z) => rezip(z, (f) => (f['summary.csv'] = strToU8('measure,value\r\nreceived,13\r\n'))),
      /summary\.csv was changed/,
    ],
    [
      'a file added',
      (z) => rezip(z, (f) => (f['extra.csv'] = strToU8('a,b\r\n'))),
      /extra\.csv is in the pack but not in SHA256SUMS/,
    ],
    [
      'a file removed',
      (z) => rezip(z, (f) => delete f['report-en.pdf']),
      /report-en\.pdf is listed in SHA256SUMS but missing/,
    ],
    [
      'SHA256SUMS rewritten to match a changed file',
      (z) =>
        rezip(z, (f) => {
          f['summary.csv'] = strToU8('measure,value\r\nreceived,13\r\n');
          const h = crypto.createHash('sha256').update(f['summary.csv']).digest('hex');
          f[SUMS] = strToU8(
            Buffer.from(f[SUMS])
              .toString()
              .replace(/^[0-9a-f]{64}(?= {2}summary\.csv)/m, h),
          );
        }),
      /SHA256SUMS does not match the digest that was signed/,
    ],
    [
      'the signature truncated',
      (z) => rezip(z, (f) => (f[SIGNATURE] = f[SIGNATURE].slice(0, 100))),
      /not DER-encoded CMS/,
    ],
    [
      're-signed by a certificate of another CA',
      // the rogue signs this pack's own, unchanged SHA256SUMS
      (z) => rezip(z, (f) => (f[SIGNATURE] = signDetached(f[SUMS], rogue))),
      /was not issued by the given CA/,
    ],
  ];
  for (const [what, tamper, reason] of tampered)
    it(`fails after ${what}, both ways, with the reason`, () => {
      const { zip } = buildPack(files(), { period: 'p' }, signer);
      const bad = tamper(zip);
      const v = verifyPack(bad, fs.readFileSync(ca, 'utf8'));
      expect(v.ok).toBe(false);
      expect(v.problems.join('\n')).toMatch(reason);
      expect(auditorChecks(bad, ca).ok).toBe(false);
    });

  it('a pack from another CA fails against this CA, and passes against its own', () => {
    const { zip } = buildPack(files(), {}, rogue);
    expect(verifyPack(zip, fs.readFileSync(ca, 'utf8')).ok).toBe(false);
    expect(verifyPack(zip, fs.readFileSync(otherCa, 'utf8')).ok).toBe(true);
    expect(auditorChecks(zip, ca).ok).toBe(false);
  });

  it('refuses file names an auditor cannot handle safely, and garbage instead of a zip', () => {
    expect(() => buildPack({ '../x.csv': Buffer.from('') }, {}, signer)).toThrow(/cannot be a file name/);
    expect(verifyPack(Buffer.from('not a zip'), fs.readFileSync(ca, 'utf8')).problems[0]).toMatch(/not a readable zip/);
  });
});
