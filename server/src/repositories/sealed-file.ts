import type { CipherSuite } from '../protection/cipher';
import { newFileKey, openFileKey, type WrappedFileKey } from '../protection/file-key';
import type { KekProvider } from '../protection/keyring';

/**
 * A file sealed at rest under a key of its own, wrapped by the KEK and bound to `context` (e.g. a rejected
 * recording): a line of JSON (KEK id and version, the wrapped key, the suite) and the sealed bytes. Readable only
 * with the keyring (or the HSM); destroying the KEK version, or the file, destroys it.
 */
const MAGIC = 'HOTLINE-SEALED-1\n';

export function sealFile(kek: KekProvider, suite: CipherSuite, context: string, data: Buffer): Buffer {
  const { key, wrapped: head } = newFileKey(kek, suite, `sealed_file|${context}`);
  return Buffer.concat([
    Buffer.from(`${MAGIC}${JSON.stringify(head)}\n`),
    suite.seal(key, data, Buffer.from(`sealed_file|${context}`)),
  ]);
}

export function openSealedFile(kek: KekProvider, context: string, file: Buffer): Buffer {
  if (!file.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw new Error('not a sealed file');
  const nl = file.indexOf(10, MAGIC.length);
  const head = JSON.parse(file.subarray(MAGIC.length, nl).toString('utf8')) as WrappedFileKey;
  const { key, suite } = openFileKey(kek, head, `sealed_file|${context}`);
  return suite.open(key, file.subarray(nl + 1), Buffer.from(`sealed_file|${context}`));
}
