import crypto from 'node:crypto';
import type { DigestId } from '../lib/digest';

/**
 * Blind indexes: a keyed HMAC-SHA256 (one key per column, derived from a root key) over a normalised identifier,
 * so a conversation can be found by an exact phone, ID or account number without decrypting anything.
 *
 * What it leaks, by design: equality. Whoever reads the index column sees which rows share the same identifier
 * (how many calls one customer made), never the identifier itself; without the key nobody can test a guess, and a
 * separate key per column stops matching a phone index against an account index. Identifiers with few possible
 * values are still guessable by someone who holds the key, so the key lives in the keyring, not in the database.
 */
export type IndexedColumn = 'phone' | 'cn_resident_id' | 'bank_account' | 'card_last4_bin' | 'email' | 'customer_ref';

export function normalizeIdentifier(column: IndexedColumn, value: string): string {
  switch (column) {
    case 'phone': {
      const d = value.replace(/[^\d+]/g, '');
      // +86 138… and 138… are the same mobile number
      return d.replace(/^\+?86(?=1[3-9]\d{9}$)/, '').replace(/^\+/, '');
    }
    case 'cn_resident_id':
      return value.replace(/\s/g, '').toUpperCase();
    case 'email':
      return value.trim().toLowerCase();
    case 'customer_ref':
      return value.trim();
    default:
      return value.replace(/\D/g, '');
  }
}

export class BlindIndexer {
  private readonly keys = new Map<IndexedColumn, Buffer>();
  constructor(
    private readonly rootKey: Buffer,
    /** HMAC-SHA256, or HMAC-SM3 in SM mode (also the HKDF that derives each column's key) */
    private readonly digest: DigestId = 'sha256',
  ) {
    if (rootKey.length < 32) throw new RangeError('blind index root key must be at least 32 bytes');
  }

  private keyFor(column: IndexedColumn): Buffer {
    let k = this.keys.get(column);
    if (!k) {
      k = Buffer.from(crypto.hkdfSync(this.digest, this.rootKey, Buffer.alloc(0), `hotline/blind-index/${column}`, 32));
      this.keys.set(column, k);
    }
    return k;
  }

  index(column: IndexedColumn, value: string): string {
    return crypto.createHmac(this.digest, this.keyFor(column)).update(normalizeIdentifier(column, value)).digest('hex');
  }

  private dedupe?: Buffer;

  /**
   * The key that tells a re-sent upload from a new one: keyed like the indexes (its own derived key), so a database
   * dump does not let anyone test guessed customer references against it (an unkeyed sha256 did).
   */
  /**
   * A keyed digest of a setting's value (12 hex), so the audit trail can show that a setting changed without holding
   * it, and a database reader cannot test guesses at a password inside a URL.
   */
  fingerprint(value: string): string {
    this.settings ??= Buffer.from(crypto.hkdfSync(this.digest, this.rootKey, Buffer.alloc(0), 'hotline/settings', 32));
    return crypto.createHmac(this.digest, this.settings).update(value).digest('hex').slice(0, 12);
  }
  private settings?: Buffer;

  dedupeKey(content: string): string {
    this.dedupe ??= Buffer.from(crypto.hkdfSync(this.digest, this.rootKey, Buffer.alloc(0), 'hotline/dedupe', 32));
    return crypto.createHmac(this.digest, this.dedupe).update(content).digest('hex');
  }
}
