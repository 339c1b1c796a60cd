import crypto from 'node:crypto';
import { suiteByCode, type CipherSuite } from './cipher';
import type { KekProvider } from './keyring';

/** A file's own data key as it is kept beside the file: wrapped by the KEK, with the suite that seals the file. */
export interface WrappedFileKey {
  kekId: string;
  version: number;
  /** base64 */
  wrapped: string;
  suite: number;
}

/** A fresh data key for one file (a rejected recording, a live call's spool), wrapped by the KEK under `context`. */
export function newFileKey(
  kek: KekProvider,
  suite: CipherSuite,
  context: string,
): { key: Buffer; wrapped: WrappedFileKey } {
  const key = crypto.randomBytes(32);
  const w = kek.wrap(key, context);
  return {
    key,
    wrapped: { kekId: w.kekId, version: w.version, wrapped: w.wrapped.toString('base64'), suite: suite.code },
  };
}

/** The data key back (the KEK version must still exist) and the suite it seals with. */
export function openFileKey(kek: KekProvider, w: WrappedFileKey, context: string): { key: Buffer; suite: CipherSuite } {
  const key = kek.unwrap({ kekId: w.kekId, version: w.version, wrapped: Buffer.from(w.wrapped, 'base64') }, context);
  return { key, suite: suiteByCode(w.suite) };
}
