import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptError } from '../../src/protection/cipher';
import { KeyringError } from '../../src/protection/keyring';
import { Pkcs11Kek } from '../../src/protection/pkcs11';
import { softHsmToken } from '../helpers/softhsm';

/** KEKs in an HSM (SoftHSM2 through its PKCS#11 module): wrap, unwrap, rotate, retire, the index key. */
const token = softHsmToken();
process.env.SOFTHSM2_CONF = token.conf; // read by the module when it initialises
const open = (label = 'hotline-kek') =>
  Pkcs11Kek.open({ module: '/usr/lib/softhsm/libsofthsm2.so', token: 'hotline', pin: token.pin, label });

describe('PKCS#11 KEK provider', () => {
  it('creates its KEK on the token, wraps with AES-GCM bound to the context, and refuses a wrong context or PIN', () => {
    const kek = open();
    expect([kek.kekId, kek.activeVersion()]).toEqual(['hotline-kek', 1]);
    const dek = crypto.randomBytes(32);
    const w = kek.wrap(dek, 'data_key|1|conversation');
    expect(w.wrapped).toHaveLength(60); // IV 12 + 32 + tag 16
    expect(kek.unwrap(w, 'data_key|1|conversation')).toEqual(dek);
    expect(() => kek.unwrap(w, 'data_key|2|conversation')).toThrow(DecryptError);
    const flipped = Buffer.from(w.wrapped);
    flipped[20] ^= 1;
    expect(() => kek.unwrap({ ...w, wrapped: flipped }, 'data_key|1|conversation')).toThrow(DecryptError);
    // another handle on the same token (another process, after a restart) opens what this one wrapped
    expect(open().unwrap(w, 'data_key|1|conversation')).toEqual(dek);
    expect(() =>
      Pkcs11Kek.open({ module: '/usr/lib/softhsm/libsofthsm2.so', token: 'nope', pin: token.pin, label: 'x' }),
    ).toThrow(/no PKCS#11 token labelled "nope"/);
  });

  it('rotation makes a new version; old wraps open until their version is retired (destroyed on the token)', () => {
    const kek = open('rot-kek');
    const dek = crypto.randomBytes(32);
    const w1 = kek.wrap(dek, 'c');
    expect(kek.rotate()).toBe(2);
    const w2 = kek.wrap(dek, 'c');
    expect([w1.version, w2.version]).toEqual([1, 2]);
    expect(kek.unwrap(w1, 'c')).toEqual(dek);
    kek.retireBelow(2);
    expect(kek.minDecryptVersion).toBe(2);
    expect(() => kek.unwrap(w1, 'c')).toThrow(KeyringError);
    expect(kek.unwrap(w2, 'c')).toEqual(dek);
    expect(() => kek.retireBelow(3)).toThrow(/active version/);
  });

  it('the blind-index root key is derived in the HSM: 32 bytes, stable, different per key label', () => {
    const a = open('idx-a').indexKey();
    expect(a).toHaveLength(32);
    expect(open('idx-a').indexKey()).toEqual(a);
    expect(open('idx-b').indexKey()).not.toEqual(a);
  });
});
