import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlindIndexer } from '../../src/protection/blind-index';

describe('blind index', () => {
  const root = crypto.randomBytes(32);
  const bi = new BlindIndexer(root);
  it('the same identifier in any written form gives the same index; a different one does not', () => {
    expect(bi.index('phone', '+86 138 1234 1234')).toBe(bi.index('phone', '13812341234'));
    expect(bi.index('phone', '138-1234-1234')).toBe(bi.index('phone', '13812341234'));
    expect(bi.index('phone', '13812341235')).not.toBe(bi.index('phone', '13812341234'));
    expect(bi.index('cn_resident_id', '11010519491231002x')).toBe(bi.index('cn_resident_id', '110105 19491231 002X'));
    expect(bi.index('email', ' Anna@Example.com')).toBe(bi.index('email', 'anna@example.com'));
  });
  it('keys differ per column and per installation, and the value is not recoverable from the index', () => {
    expect(bi.index('bank_account', '12345678')).not.toBe(bi.index('phone', '12345678'));
    expect(new BlindIndexer(crypto.randomBytes(32)).index('phone', '13812341234')).not.toBe(
      bi.index('phone', '13812341234'),
    );
    expect(bi.index('phone', '13812341234')).toMatch(/^[0-9a-f]{64}$/);
    expect(() => new BlindIndexer(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('dedupe keys', () => {
  it('are keyed: the same content gives the same key under one keyring and another key under another', () => {
    const a = new BlindIndexer(Buffer.alloc(32, 1));
    const b = new BlindIndexer(Buffer.alloc(32, 2));
    const content = 'text\n{"customerRef":"CUST-1"}';
    expect(a.dedupeKey(content)).toBe(a.dedupeKey(content));
    expect(a.dedupeKey(content)).not.toBe(b.dedupeKey(content));
    expect(a.dedupeKey(content)).not.toBe(crypto.createHash('sha256').update(content).digest('hex'));
    expect(a.dedupeKey(content)).not.toBe(a.index('customer_ref', content));
  });
});
