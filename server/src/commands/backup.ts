import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { KekProvider } from '../protection/keyring';
import {
  BackupIntegrityError,
  databaseCounts,
  databaseIsEmpty,
  decryptFile,
  decryptSmall,
  dumpDatabase,
  encryptToFile,
  restoreDatabase,
  sha256File,
  tarDirectory,
  untarInto,
} from '../repositories/backup-store';
import { ensureDatabase } from '../repositories/database';

/**
 * Backup and restore (`hotline backup`, `hotline restore`). A backup is a directory: the database (pg_dump, custom
 * format), the object store (tar) and the audit checkpoints with their public key, each encrypted with AES-256-GCM
 * under a fresh backup key, and manifest.json naming the parts with their SHA-256 and the backup key wrapped by the
 * keyring's KEK (envelope encryption, as for conversations). Neither the keyring nor the checkpoint signing key is
 * in it: they are escrowed apart (README), and a restore needs the keyring first.
 */
export interface BackupManifest {
  format: 'hotline-backup/1';
  createdAt: string;
  appVersion: string;
  key: { kekId: string; version: number; wrapped: string };
  parts: Array<{ name: string; file: string; sha256: string; bytes: number }>;
  counts: Record<string, number>;
}

export interface BackupPaths {
  databaseUrl: string;
  objectDir: string;
  checkpointFile: string;
  checkpointPublicKey: string;
}

const CONTEXT = 'hotline-backup';

export async function makeBackup(
  kek: KekProvider,
  from: BackupPaths,
  outDir: string,
  appVersion: string,
): Promise<{ dir: string; manifest: BackupManifest }> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');
  const dir = path.join(outDir, `hotline-backup-${stamp}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32);
  const wrapped = kek.wrap(key, CONTEXT);
  const counts = await databaseCounts(from.databaseUrl);
  const parts: BackupManifest['parts'] = [];
  const add = async (name: string, src: Readable) => {
    const file = `${name}.enc`;
    const r = await encryptToFile(src, key, path.join(dir, file));
    parts.push({ name, file, ...r });
  };
  await add('database', dumpDatabase(from.databaseUrl));
  fs.mkdirSync(from.objectDir, { recursive: true });
  await add('objects', tarDirectory(from.objectDir));
  for (const [name, f] of [
    ['audit-checkpoints', from.checkpointFile],
    ['audit-checkpoint-public-key', from.checkpointPublicKey],
  ] as const)
    if (fs.existsSync(f)) await add(name, Readable.from([fs.readFileSync(f)]));
  const manifest: BackupManifest = {
    format: 'hotline-backup/1',
    createdAt: new Date().toISOString(),
    appVersion,
    key: { kekId: wrapped.kekId, version: wrapped.version, wrapped: wrapped.wrapped.toString('base64') },
    parts,
    counts,
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2), { mode: 0o600 });
  key.fill(0);
  return { dir, manifest };
}

/** Checks every part against the manifest (size and SHA-256) before anything is restored. */
export async function checkBackup(dir: string): Promise<BackupManifest> {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new BackupIntegrityError(`${dir} has no manifest.json: not a Hotline backup`);
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
  if (m.format !== 'hotline-backup/1') throw new BackupIntegrityError(`unknown backup format ${m.format}`);
  for (const p of m.parts) {
    const f = path.join(dir, path.basename(p.file));
    if (!fs.existsSync(f)) throw new BackupIntegrityError(`part ${p.name} (${p.file}) is missing`);
    if ((await sha256File(f)) !== p.sha256) throw new BackupIntegrityError(`part ${p.name} (${p.file}) has changed`);
  }
  return m;
}

/**
 * Restores a backup into an empty database and an empty object store: every part is checked first, the backup key is
 * unwrapped with the keyring (restored from escrow beforehand), then the database, the objects and the checkpoints
 * come back; the counts are compared with the manifest's.
 */
export async function restoreBackup(
  kek: KekProvider,
  dir: string,
  to: BackupPaths,
): Promise<{ manifest: BackupManifest; counts: Record<string, number> }> {
  const m = await checkBackup(dir);
  const key = kek.unwrap(
    { kekId: m.key.kekId, version: m.key.version, wrapped: Buffer.from(m.key.wrapped, 'base64') },
    CONTEXT,
  );
  await ensureDatabase(to.databaseUrl);
  if (!(await databaseIsEmpty(to.databaseUrl)))
    throw new BackupIntegrityError('the target database is not empty: restore into a new database');
  if (fs.existsSync(to.objectDir) && fs.readdirSync(to.objectDir).some((f) => f !== 'tmp'))
    throw new BackupIntegrityError(`the target object store ${to.objectDir} is not empty`);
  const part = (name: string) => {
    const p = m.parts.find((x) => x.name === name);
    return p ? path.join(dir, path.basename(p.file)) : undefined;
  };
  await restoreDatabase(to.databaseUrl, decryptFile(part('database')!, key));
  await untarInto(to.objectDir, decryptFile(part('objects')!, key));
  for (const [name, f] of [
    ['audit-checkpoints', to.checkpointFile],
    ['audit-checkpoint-public-key', to.checkpointPublicKey],
  ] as const) {
    const p = part(name);
    if (!p) continue;
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, await decryptSmall(p, key));
  }
  const counts = await databaseCounts(to.databaseUrl);
  // the counts were read just before the dump's snapshot: the restore has at least as many of each
  for (const [k, n] of Object.entries(m.counts))
    if (!(counts[k] >= n)) throw new BackupIntegrityError(`restored ${k}: ${counts[k]}, the backup counted ${n}`);
  key.fill(0);
  return { manifest: m, counts };
}
