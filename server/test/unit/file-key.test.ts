import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AES_256_GCM, SM4_CTR_HMAC_SM3 } from '../../src/protection/cipher';
import { FileKeyring } from '../../src/protection/keyring';
import { LiveSpool } from '../../src/repositories/live-spool';
import { openSealedFile, sealFile } from '../../src/repositories/sealed-file';

/** Files sealed under a key of their own, wrapped by the KEK: a rejected recording, a live call's spool. */
const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'file-key-'));

describe('files under their own wrapped key', () => {
  it('a sealed file opens only with the keyring and its own context, in either suite', () => {
    const kek = FileKeyring.openOrCreate(path.join(dir(), 'keyring.json'));
    const data = crypto.randomBytes(5000);
    for (const suite of [AES_256_GCM, SM4_CTR_HMAC_SM3]) {
      const sealed = sealFile(kek, suite, 'drop|a.wav', data);
      expect(sealed.includes(data.subarray(0, 64))).toBe(false);
      expect(openSealedFile(kek, 'drop|a.wav', sealed).equals(data)).toBe(true);
      // the key is bound to the file it was made for
      expect(() => openSealedFile(kek, 'drop|b.wav', sealed)).toThrow();
      // another keyring cannot open it
      expect(() =>
        openSealedFile(FileKeyring.openOrCreate(path.join(dir(), 'other.json')), 'drop|a.wav', sealed),
      ).toThrow();
    }
  });

  it('a live spool comes back after a restart with its metadata and every channel, nothing on disk readable', async () => {
    const root = dir();
    const kek = FileKeyring.openOrCreate(path.join(dir(), 'keyring.json'));
    const meta = {
      sessionId: crypto.randomUUID(),
      callId: 'call-7',
      client: 'recorder',
      encoding: 'mulaw' as const,
      sampleRate: 8000,
      channels: 2,
      metadata: { customerRef: 'C-55120' },
      startedAt: '2026-12-04T10:00:00Z',
    };
    const spool = await LiveSpool.create(root, meta, kek, SM4_CTR_HMAC_SM3);
    const a = crypto.randomBytes(800);
    const b = crypto.randomBytes(1600);
    await spool.append(0, a);
    await spool.append(1, b);
    await spool.append(0, a);
    const files = fs.readdirSync(path.join(root, meta.sessionId));
    for (const f of files) expect(fs.readFileSync(path.join(root, meta.sessionId, f)).includes('C-55120')).toBe(false);
    const [back] = await LiveSpool.openAll(root, kek);
    expect(back.meta).toEqual(meta);
    expect((await back.read(0)).equals(Buffer.concat([a, a]))).toBe(true);
    expect((await back.read(1)).equals(b)).toBe(true);
  });
});
