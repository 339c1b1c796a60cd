import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pki, readPkiJournal } from '../../src/protection/pki';

/** The internal CA's own protections: its key encrypted at rest, its files not overwritable, revocation with a CRL. */
const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pki-'));
const openssl = (...args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });
const PASS = 'correct horse battery staple';

describe('internal CA', () => {
  it('stores its key encrypted under the passphrase and issues only with it', () => {
    const d = dir();
    new Pki(d, 'os:tester', PASS).init();
    expect(fs.readFileSync(path.join(d, 'ca.key.pem'), 'utf8')).toMatch(/BEGIN ENCRYPTED PRIVATE KEY/);
    expect(() => new Pki(d).issue({ name: 'api', kind: 'server', sans: ['DNS:a.test'], days: 30 })).toThrow(
      /CA key is encrypted: set HOTLINE_PKI_PASSPHRASE/,
    );
    expect(() =>
      new Pki(d, 'os:tester', 'wrong passphrase!').issue({ name: 'api', kind: 'server', sans: ['DNS:a'], days: 30 }),
    ).toThrow(/does not open with this passphrase/);
    const r = new Pki(d, 'os:tester', PASS).issue({ name: 'api', kind: 'server', sans: ['DNS:a.test'], days: 30 });
    expect(openssl('verify', '-CAfile', path.join(d, 'ca.cert.pem'), r.certFile).stdout).toMatch(/: OK/);
  });

  it('encrypts a key stored in the clear in place (an older install), once', () => {
    const d = dir();
    new Pki(d).init();
    const clear = fs.readFileSync(path.join(d, 'ca.key.pem'), 'utf8');
    expect(clear).toMatch(/BEGIN PRIVATE KEY/);
    expect(() => new Pki(d).encryptKey()).toThrow(/set HOTLINE_PKI_PASSPHRASE/);
    expect(new Pki(d, 'os:tester', PASS).encryptKey()).toBe(true);
    const sealed = fs.readFileSync(path.join(d, 'ca.key.pem'), 'utf8');
    expect(sealed).toMatch(/BEGIN ENCRYPTED PRIVATE KEY/);
    expect(fs.statSync(path.join(d, 'ca.key.pem')).mode & 0o077).toBe(0);
    // the same key: what it signs verifies against the CA certificate made before
    const r = new Pki(d, 'os:tester', PASS).issue({ name: 'api', kind: 'server', sans: ['DNS:a.test'], days: 30 });
    expect(openssl('verify', '-CAfile', path.join(d, 'ca.cert.pem'), r.certFile).stdout).toMatch(/: OK/);
    expect(() => new Pki(d).issue({ name: 'b', kind: 'client', sans: [], days: 30 })).toThrow(/CA key is encrypted/);
    // a second run leaves it as it is (never re-encrypted under another passphrase)
    expect(new Pki(d, 'os:tester', 'another passphrase').encryptKey()).toBe(false);
    expect(fs.readFileSync(path.join(d, 'ca.key.pem'), 'utf8')).toBe(sealed);
  });

  it('never lets a certificate name overwrite the CA', () => {
    const pki = new Pki(dir());
    pki.init();
    const before = fs.readFileSync(path.join(pki.dir, 'ca.key.pem'), 'utf8');
    expect(() => pki.issue({ name: 'ca', kind: 'client', sans: [], days: 30 })).toThrow(/reserved for the CA/);
    expect(fs.readFileSync(path.join(pki.dir, 'ca.key.pem'), 'utf8')).toBe(before);
  });

  it('revokes a certificate into a CRL that openssl verifies against the CA and enforces', () => {
    const d = dir();
    const pki = new Pki(d, 'os:tester', PASS);
    pki.init();
    const bad = pki.issue({ name: 'recorder-3', kind: 'client', sans: [], days: 30 });
    const good = pki.issue({ name: 'recorder-4', kind: 'client', sans: [], days: 30 });
    const empty = pki.crl();
    expect(empty).toMatchObject({ revoked: 0, number: 1 });
    const { serial } = pki.revoke('recorder-3', 'keyCompromise');
    const crl = pki.crl(7);
    expect(crl).toMatchObject({ revoked: 1, number: 2 });
    const ca = path.join(d, 'ca.cert.pem');
    expect(openssl('crl', '-in', crl.file, '-CAfile', ca, '-noout').stderr).toMatch(/verify OK/);
    const text = openssl('crl', '-in', crl.file, '-noout', '-text').stdout;
    expect(text.replace(/:/g, '').toLowerCase()).toContain(serial.replace(/^0+/, '').toLowerCase());
    expect(text).toMatch(/Key Compromise/);
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*2/);
    const check = (cert: string) => openssl('verify', '-crl_check', '-CAfile', ca, '-CRLfile', crl.file, cert);
    expect(check(bad.certFile).stdout + check(bad.certFile).stderr).toMatch(/certificate revoked/);
    expect(check(good.certFile).stdout).toMatch(/: OK/);
    // the journal names who did each step
    expect(readPkiJournal(d).map((e) => [e.op, e.name, e.by])).toEqual([
      ['init', 'ca', 'os:tester'],
      ['issue', 'recorder-3', 'os:tester'],
      ['issue', 'recorder-4', 'os:tester'],
      ['revoke', 'recorder-3', 'os:tester'],
    ]);
  });
});
