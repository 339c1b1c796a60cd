import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalRow, chainHash, GENESIS } from '../../src/audit/chain';
import { BlindIndexer } from '../../src/protection/blind-index';
import { AES_256_GCM, DecryptError, SM4_CTR_HMAC_SM3, SUITES, wrapSuiteOf } from '../../src/protection/cipher';
import { decryptField, encryptField, keyRefOf } from '../../src/protection/field-crypto';
import { FileKeyring, KeyringError } from '../../src/protection/keyring';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('known-answer tests', () => {
  it('AES-256-GCM: NIST GCM spec test cases 14 and 16', () => {
    const c14 = crypto.createCipheriv('aes-256-gcm', Buffer.alloc(32), Buffer.alloc(12));
    expect(Buffer.concat([c14.update(Buffer.alloc(16)), c14.final()]).toString('hex')).toBe(
      'cea7403d4d606b6e074ec5d3baf39d18',
    );
    expect(c14.getAuthTag().toString('hex')).toBe('d0d1c8a799996bf0265b98b5d48ab919');
    const c16 = crypto.createCipheriv(
      'aes-256-gcm',
      hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
      hex('cafebabefacedbaddecaf888'),
    );
    c16.setAAD(hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'));
    const pt = hex(
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    );
    expect(Buffer.concat([c16.update(pt), c16.final()]).toString('hex')).toBe(
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    );
    expect(c16.getAuthTag().toString('hex')).toBe('76fc6ece0f4e1768cddf8853bb2d551b');
    // and our suite opens what the reference produced (nonce ‖ ciphertext ‖ tag)
    const sealed = Buffer.concat([
      hex('cafebabefacedbaddecaf888'),
      hex(
        '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
      ),
      hex('76fc6ece0f4e1768cddf8853bb2d551b'),
    ]);
    expect(
      AES_256_GCM.open(
        hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
        sealed,
        hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
      ),
    ).toEqual(pt);
  });

  it('SM4 (GB/T 32907 example 1) and SM3("abc") (GB/T 32905)', () => {
    const k = hex('0123456789abcdeffedcba9876543210');
    const e = crypto.createCipheriv('sm4-ecb', k, null).setAutoPadding(false);
    expect(Buffer.concat([e.update(k), e.final()]).toString('hex')).toBe('681edf34d206965e86b3e94f536e4246');
    expect(crypto.createHash('sm3').update('abc').digest('hex')).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });
});

describe.each(Object.values(SUITES))('field encryption with $id', (suite) => {
  const key = { ref: 'dek:conv-1#1', bytes: crypto.randomBytes(32) };
  const ctx = { table: 'utterances', column: 'text', rowId: 'row-1' };
  const keyFor = (ref: string) => {
    if (ref !== key.ref) throw new Error(`no key ${ref}`);
    return key.bytes;
  };

  it('round-trips, with a fresh nonce every time', () => {
    const a = encryptField(suite, key, ctx, 'my card number is four one one one');
    const b = encryptField(suite, key, ctx, 'my card number is four one one one');
    expect(a.equals(b)).toBe(false);
    expect(decryptField(a, keyFor, ctx).toString()).toBe('my card number is four one one one');
    expect(keyRefOf(a)).toBe('dek:conv-1#1');
    expect(a.includes(Buffer.from('four one one'))).toBe(false);
  });

  it('rejects a flipped bit anywhere: ciphertext, tag, nonce, header', () => {
    const v = encryptField(suite, key, ctx, 'sensitive text');
    for (const i of [v.length - 1, v.length - 20, 4 + key.ref.length + 2, 1]) {
      const t = Buffer.from(v);
      t[i] ^= 0x01;
      expect(() => decryptField(t, keyFor, ctx), `byte ${i}`).toThrow(DecryptError);
    }
  });

  it('rejects a value moved to another row, column or table, and a changed key id', () => {
    const v = encryptField(suite, key, ctx, 'sensitive text');
    expect(() => decryptField(v, keyFor, { ...ctx, rowId: 'row-2' })).toThrow(DecryptError);
    expect(() => decryptField(v, keyFor, { ...ctx, column: 'words' })).toThrow(DecryptError);
    expect(() => decryptField(v, keyFor, { ...ctx, table: 'recordings' })).toThrow(DecryptError);
    // same key bytes under another name: the ref is authenticated
    const renamed = Buffer.concat([v.subarray(0, 4), Buffer.from('dek:conv-9#1'), v.subarray(4 + key.ref.length)]);
    expect(() => decryptField(renamed, () => key.bytes, ctx)).toThrow(DecryptError);
    expect(() => decryptField(v, () => crypto.randomBytes(32), ctx)).toThrow(DecryptError);
  });
});

describe('the two suites are not interchangeable', () => {
  it('a value sealed with one cannot be opened as the other', () => {
    const k = crypto.randomBytes(32);
    const aad = Buffer.from('x');
    expect(() => SM4_CTR_HMAC_SM3.open(k, AES_256_GCM.seal(k, Buffer.alloc(40), aad), aad)).toThrow(DecryptError);
    expect(() => AES_256_GCM.open(k, SM4_CTR_HMAC_SM3.seal(k, Buffer.alloc(40), aad), aad)).toThrow(DecryptError);
  });
});

describe('file keyring', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'keyring-'));

  it('is created 0600 and refuses a file others can read', () => {
    const f = path.join(dir(), 'keyring.json');
    FileKeyring.openOrCreate(f);
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    fs.chmodSync(f, 0o644);
    expect(() => FileKeyring.openOrCreate(f)).toThrow(/readable by others.*0600/);
  });

  it('rotation: new keys wrap with the new version, old wrapped keys still open until retired', () => {
    const kr = FileKeyring.openOrCreate(path.join(dir(), 'k.json'));
    const dek = crypto.randomBytes(32);
    const w1 = kr.wrap(dek, 'conv-1');
    expect(w1).toMatchObject({ kekId: 'hotline-kek', version: 1 });
    expect(kr.rotate()).toBe(2);
    const w2 = kr.wrap(dek, 'conv-1');
    expect(w2.version).toBe(2);
    expect(kr.unwrap(w1, 'conv-1')).toEqual(dek);
    // rewrap (what the online rewrap job does): unwrap with the old version, wrap with the active one
    const rewrapped = kr.wrap(kr.unwrap(w1, 'conv-1'), 'conv-1');
    expect(rewrapped.version).toBe(2);
    kr.retireBelow(2);
    expect(() => kr.unwrap(w1, 'conv-1')).toThrow(KeyringError);
    expect(kr.unwrap(rewrapped, 'conv-1')).toEqual(dek);
    expect(() => kr.unwrap(w2, 'conv-2')).toThrow(DecryptError); // a wrapped key moved to another conversation
    expect(() => kr.retireBelow(3)).toThrow(/active version/);
  });
});

describe('SM mode (GM/T: SM4 wrapping, HMAC-SM3, SM3)', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'keyring-sm-'));

  it('a keyring made for SM4 wraps every key with SM4 and HMAC-SM3, and is never reopened as AES', () => {
    const f = path.join(dir(), 'k.json');
    const kr = FileKeyring.openOrCreate(f, { suite: 'sm4-ctr-hmac-sm3' });
    expect(kr.suite.id).toBe('sm4-ctr-hmac-sm3');
    const dek = crypto.randomBytes(32);
    const w = kr.wrap(dek, 'conv-1');
    expect(w.wrapped).toHaveLength(80); // 16 IV + 32 + 32 HMAC-SM3
    expect(wrapSuiteOf(w.wrapped)).toBe(SM4_CTR_HMAC_SM3);
    expect(kr.unwrap(w, 'conv-1')).toEqual(dek);
    expect(() => kr.unwrap(w, 'conv-2')).toThrow(DecryptError);
    expect(() => FileKeyring.openOrCreate(f, { suite: 'aes-256-gcm' })).toThrow(/was made for sm4-ctr-hmac-sm3/);
    expect(FileKeyring.openOrCreate(f).suite.id).toBe('sm4-ctr-hmac-sm3'); // tools that do not say: the file decides
    // a keyring from before the suite was recorded is AES, and stays so
    const old = path.join(dir(), 'old.json');
    FileKeyring.openOrCreate(old);
    const j = JSON.parse(fs.readFileSync(old, 'utf8'));
    delete j.suite;
    fs.writeFileSync(old, JSON.stringify(j), { mode: 0o600 });
    expect(FileKeyring.openOrCreate(old).wrap(dek, 'c').wrapped).toHaveLength(60);
    expect(() => FileKeyring.openOrCreate(old, { suite: 'sm4-ctr-hmac-sm3' })).toThrow(/was made for aes-256-gcm/);
  });

  it('blind indexes are HMAC-SM3 under an SM3-HKDF key; the audit chain is SM3', () => {
    const root = crypto.randomBytes(32);
    const sm = new BlindIndexer(root, 'sm3');
    const key = Buffer.from(crypto.hkdfSync('sm3', root, Buffer.alloc(0), 'hotline/blind-index/phone', 32));
    expect(sm.index('phone', '+86 138 1234 1234')).toBe(
      crypto.createHmac('sm3', key).update('13812341234').digest('hex'),
    );
    expect(sm.index('phone', '13812341234')).not.toBe(new BlindIndexer(root).index('phone', '13812341234'));
    const row = {
      seq: 1,
      at: new Date('2026-12-01T00:00:00Z'),
      actorId: 'a',
      actorName: null,
      roles: [],
      action: 'x',
      objectType: null,
      objectId: null,
      reason: null,
      outcome: 'allowed' as const,
      requestId: null,
      details: null,
    };
    const h = chainHash(GENESIS, row, 'sm3');
    expect(h).toBe(crypto.createHash('sm3').update(GENESIS).update('\n').update(canonicalRow(row)).digest('hex'));
    expect(h).not.toBe(chainHash(GENESIS, row));
  });
});
