import crypto from 'node:crypto';

/**
 * Authenticated encryption suites, on node:crypto (OpenSSL). Every suite takes a 32-byte data key.
 * - aes-256-gcm: 96-bit random nonce, 128-bit tag.
 * - sm4-ctr-hmac-sm3 (China GM/T, for 密评): Node's OpenSSL has SM4 but no SM4-GCM, so SM4-CTR encryption then
 *   HMAC-SM3 over (aad length, aad, iv, ciphertext); the MAC is checked before anything is decrypted.
 */
export type CipherId = 'aes-256-gcm' | 'sm4-ctr-hmac-sm3';

export interface CipherSuite {
  readonly id: CipherId;
  /** one byte in the stored header */
  readonly code: number;
  seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer;
  open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer;
}

export class DecryptError extends Error {
  constructor(message = 'ciphertext failed authentication (wrong key, wrong context, or tampered)') {
    super(message);
    this.name = 'DecryptError';
  }
}

const checkKey = (key: Buffer) => {
  if (key.length !== 32) throw new RangeError(`data keys are 32 bytes (got ${key.length})`);
};

export const AES_256_GCM: CipherSuite = {
  id: 'aes-256-gcm',
  code: 1,
  seal(key, plaintext, aad) {
    checkKey(key);
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([iv, ct, c.getAuthTag()]);
  },
  open(key, sealed, aad) {
    checkKey(key);
    if (sealed.length < 28) throw new DecryptError('ciphertext too short');
    const d = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
      return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
    } catch {
      throw new DecryptError();
    }
  },
};

/** Separate SM4 and HMAC keys from one data key (HMAC-SM3 as the key-derivation function). */
function sm4Keys(key: Buffer) {
  checkKey(key);
  return {
    enc: crypto.createHmac('sm3', key).update('hotline/sm4-ctr/enc').digest().subarray(0, 16),
    mac: crypto.createHmac('sm3', key).update('hotline/hmac-sm3/mac').digest(),
  };
}

function sm3Mac(macKey: Buffer, aad: Buffer, iv: Buffer, ct: Buffer): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(aad.length));
  return crypto.createHmac('sm3', macKey).update(len).update(aad).update(iv).update(ct).digest();
}

export const SM4_CTR_HMAC_SM3: CipherSuite = {
  id: 'sm4-ctr-hmac-sm3',
  code: 2,
  seal(key, plaintext, aad) {
    const { enc, mac } = sm4Keys(key);
    const iv = crypto.randomBytes(16);
    const c = crypto.createCipheriv('sm4-ctr', enc, iv);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([iv, ct, sm3Mac(mac, aad, iv, ct)]);
  },
  open(key, sealed, aad) {
    const { enc, mac } = sm4Keys(key);
    if (sealed.length < 48) throw new DecryptError('ciphertext too short');
    const iv = sealed.subarray(0, 16);
    const ct = sealed.subarray(16, sealed.length - 32);
    const tag = sealed.subarray(sealed.length - 32);
    if (!crypto.timingSafeEqual(tag, sm3Mac(mac, aad, iv, ct))) throw new DecryptError();
    const d = crypto.createDecipheriv('sm4-ctr', enc, iv);
    return Buffer.concat([d.update(ct), d.final()]);
  },
};

export const SUITES: Record<CipherId, CipherSuite> = {
  'aes-256-gcm': AES_256_GCM,
  'sm4-ctr-hmac-sm3': SM4_CTR_HMAC_SM3,
};
/**
 * A wrapped data key (always 32 bytes) names its suite by its length: AES-256-GCM 12 + 32 + 16 = 60 bytes,
 * SM4-CTR + HMAC-SM3 16 + 32 + 32 = 80 bytes. Keys wrapped before SM wrapping existed are all 60 bytes.
 */
export function wrapSuiteOf(wrapped: Buffer): CipherSuite {
  if (wrapped.length === 60) return AES_256_GCM;
  if (wrapped.length === 80) return SM4_CTR_HMAC_SM3;
  throw new DecryptError(`a wrapped data key of ${wrapped.length} bytes is neither AES-256-GCM nor SM4`);
}

export const suiteByCode = (code: number): CipherSuite => {
  const s = Object.values(SUITES).find((x) => x.code === code);
  if (!s) throw new DecryptError(`unknown cipher suite ${code}`);
  return s;
};
