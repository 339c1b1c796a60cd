import { CipherSuite, DecryptError, suiteByCode } from './cipher';

/**
 * One encrypted field value: [format 1][suite code][u16 key-ref length][key ref][sealed]. The key ref names the data
 * key (and so its wrapping KEK id and version, stored with it). The additional authenticated data binds the value to
 * (table, column, row id) and to the header, so a value copied into another row or column fails to decrypt.
 */
export interface FieldContext {
  table: string;
  column: string;
  rowId: string;
}

const FORMAT = 1;

const aadFor = (ctx: FieldContext, keyRef: string, suite: CipherSuite) =>
  Buffer.from(`hotline/field/v${FORMAT}|${suite.id}|${keyRef}|${ctx.table}|${ctx.column}|${ctx.rowId}`);

export function encryptField(
  suite: CipherSuite,
  key: { ref: string; bytes: Buffer },
  ctx: FieldContext,
  plaintext: Buffer | string,
): Buffer {
  const ref = Buffer.from(key.ref, 'utf8');
  if (ref.length > 0xffff) throw new RangeError('key ref too long');
  const header = Buffer.alloc(4);
  header[0] = FORMAT;
  header[1] = suite.code;
  header.writeUInt16BE(ref.length, 2);
  const sealed = suite.seal(
    key.bytes,
    Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext, 'utf8'),
    aadFor(ctx, key.ref, suite),
  );
  return Buffer.concat([header, ref, sealed]);
}

/** The key ref a stored value needs (to fetch and unwrap its data key), read from the header. */
export function keyRefOf(value: Buffer): string {
  if (value.length < 4 || value[0] !== FORMAT) throw new DecryptError('not an encrypted field value');
  const n = value.readUInt16BE(2);
  if (value.length < 4 + n) throw new DecryptError('truncated encrypted field value');
  return value.subarray(4, 4 + n).toString('utf8');
}

export function decryptField(value: Buffer, keyFor: (ref: string) => Buffer, ctx: FieldContext): Buffer {
  const ref = keyRefOf(value);
  const suite = suiteByCode(value[1]);
  return suite.open(keyFor(ref), value.subarray(4 + Buffer.byteLength(ref)), aadFor(ctx, ref, suite));
}
