import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';

/**
 * The side effects of backup and restore: pg_dump / pg_restore (PostgreSQL's own tools, custom format), tar for the
 * object store, and files encrypted as a stream with AES-256-GCM: "HLBK1" ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag.
 */
const MAGIC = Buffer.from('HLBK1');

export class BackupIntegrityError extends Error {}

/**
 * A child process's stdout as a stream that ends when the process exits 0 and errors otherwise (stderr in the
 * message). An input stream that fails kills the process and fails the output with the input's error.
 */
function run(cmd: string, args: string[], input?: Readable): Readable {
  const child = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const out = new PassThrough();
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  if (input) {
    input.on('error', (e) => {
      child.kill('SIGKILL');
      out.destroy(e);
    });
    child.stdin!.on('error', () => undefined); // the child may stop reading early; its exit code tells
    input.pipe(child.stdin!);
  }
  child.stdout!.pipe(out, { end: false });
  child.on('error', (e) => out.destroy(e));
  // 'close' comes after the child's output streams have closed: every byte has been handed on by then
  child.on('close', (code) => {
    if (out.destroyed) return;
    if (code === 0) out.end();
    else out.destroy(new Error(`${cmd} exited with ${code}: ${err.trim().slice(0, 500)}`));
  });
  return out;
}

/** Runs a command to completion with this stream as its input. */
async function feed(cmd: string, args: string[], input: Readable): Promise<void> {
  const out = run(cmd, args, input);
  out.resume();
  await new Promise<void>((resolve, reject) => out.on('end', resolve).on('error', reject));
}

/** The database in pg_dump's custom format, as a stream. */
export function dumpDatabase(url: string): Readable {
  return run('pg_dump', ['--format=custom', '--no-password', `--dbname=${url}`]);
}

/** A directory as a tar stream (paths relative to it). */
export function tarDirectory(dir: string): Readable {
  return run('tar', ['-C', dir, '-cf', '-', '.']);
}

/** Encrypts a stream into a file; returns the file's SHA-256 and size. */
export async function encryptToFile(
  src: Readable,
  key: Buffer,
  file: string,
): Promise<{ sha256: string; bytes: number }> {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const out = fs.createWriteStream(file, { mode: 0o600 });
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  tap.write(Buffer.concat([MAGIC, iv]));
  const withTag = new Transform({
    transform(chunk: Buffer, _e, cb) {
      cb(null, chunk);
    },
    flush(cb) {
      cb(null, cipher.getAuthTag());
    },
  });
  await pipeline(src, cipher, withTag, tap, out);
  return { sha256: hash.digest('hex'), bytes };
}

/** The SHA-256 of a file. */
export async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), h);
  return h.digest('hex');
}

/**
 * Decrypts a file made by encryptToFile as a stream. The tag is checked at the end: a changed byte makes the stream
 * fail (BackupIntegrityError), so whatever consumed it must be thrown away — restore works on fresh targets only.
 */
export function decryptFile(file: string, key: Buffer): Readable {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(MAGIC.length + 12);
  const tag = Buffer.alloc(16);
  fs.readSync(fd, head, 0, head.length, 0);
  fs.readSync(fd, tag, 0, 16, size - 16);
  fs.closeSync(fd);
  if (!head.subarray(0, MAGIC.length).equals(MAGIC) || size < head.length + 16)
    throw new BackupIntegrityError(`${file} is not a Hotline backup part`);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, head.subarray(MAGIC.length));
  decipher.setAuthTag(tag);
  const body = fs.createReadStream(file, { start: head.length, end: size - 17 });
  const out = new PassThrough();
  body.on('error', (e) => out.destroy(e));
  decipher.on('error', () =>
    out.destroy(new BackupIntegrityError(`${file} does not decrypt: changed, or another key`)),
  );
  body.pipe(decipher).pipe(out);
  return out;
}

/** Reads a whole decrypted part into memory (small parts: checkpoints, keys). */
export async function decryptSmall(file: string, key: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    decryptFile(file, key),
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

/** Whether the database has any table of its own (a restore goes into an empty one only). */
export async function databaseIsEmpty(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    return r.rows[0].n === 0;
  } finally {
    await c.end();
  }
}

/**
 * Restores a custom-format dump into an empty database: the application role the grants name is created first when
 * the cluster does not have it; objects are owned by the restoring user (--no-owner).
 */
export async function restoreDatabase(url: string, dump: Readable): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_app') THEN CREATE ROLE hotline_app NOLOGIN; END IF; END $$`,
    );
  } finally {
    await c.end();
  }
  await feed('pg_restore', ['--no-owner', '--exit-on-error', '--no-password', `--dbname=${url}`], dump);
}

/** Unpacks a tar stream into a directory (created). */
export async function untarInto(dir: string, src: Readable): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await feed('tar', ['-C', dir, '-xf', '-'], src);
}

/** Counts that a restore is checked against. */
export async function databaseCounts(url: string): Promise<Record<string, number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT (SELECT count(*) FROM conversations)::int AS conversations, (SELECT count(*) FROM utterances)::int AS utterances,
              (SELECT count(*) FROM recordings)::int AS recordings, (SELECT count(*) FROM audit_events)::int AS audit_events,
              (SELECT count(*) FROM verdicts)::int AS verdicts`,
    );
    return r.rows[0] as Record<string, number>;
  } finally {
    await c.end();
  }
}
