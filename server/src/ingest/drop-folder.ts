import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ingestCall, IngestDeps } from './ingest-call';
import type { AuditLog } from '../repositories/audit-log';
import { sealFile } from '../repositories/sealed-file';

/** What a rejected file's seal is bound to: its name under rejected/ and its kind. */
export const rejectedContext = (unique: string, ext: string) => `drop_rejected|${unique}|${ext}`;
import { ObjectStore } from '../repositories/object-store';
import { DomainError, invalid } from '../lib/errors';
import { AudioFormatError } from '../speech/audio/errors';

export interface DropFolderOptions {
  intervalMs?: number;
  /**
   * How the watcher knows a recording is complete:
   * - `settle` (default): its size and modification time have not changed for `settleMs` (a recorder that pauses
   *   for less than that is not cut short). Recorders that write `<name>.wav.part` and rename it into place are
   *   complete at the rename: only `*.wav` is ever picked up.
   * - `done-marker`: the recorder writes `<name>.done` after the recording and its sidecar; nothing else is read.
   */
  completion?: 'settle' | 'done-marker';
  settleMs?: number;
  /** a complete recording whose sidecar has not appeared by then is rejected (the sidecar may come after the WAV) */
  sidecarWaitMs?: number;
}

type Outcome = 'processed' | 'rejected' | 'duplicate';

/** File names may carry a caller's number: logs name them by a hash. */
const nameRef = (name: string) => `file#${crypto.createHash('sha256').update(name).digest('hex').slice(0, 12)}`;

/**
 * On-prem call recorders drop `<name>.wav` plus a sidecar `<name>.json` (metadata) into a directory.
 * Each recording is ingested once. Accepted (or recognised duplicate): the plaintext file and sidecar are deleted and
 * `processed/<name>.receipt.json` names the conversation. Refused: moved to rejected/ under a unique name with its
 * reason, for good (a recording over the size limit too). An outage leaves the file in place for the next pass.
 */
export class DropFolderWatcher {
  private timer?: NodeJS.Timeout;
  /** per recording: its size and mtime when first seen unchanged, and since when */
  private seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  private running?: Promise<void>;
  private readonly o: Required<DropFolderOptions>;

  constructor(
    private readonly s: IngestDeps & { audit: Pick<AuditLog, 'append'> },
    readonly dir: string,
    opts: DropFolderOptions = {},
  ) {
    this.o = {
      intervalMs: opts.intervalMs ?? 2000,
      completion: opts.completion ?? 'settle',
      settleMs: opts.settleMs ?? 10_000,
      sidecarWaitMs: opts.sidecarWaitMs ?? 60_000,
    };
    for (const sub of ['processed', 'rejected']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  }

  start() {
    this.timer = setInterval(() => {
      this.running ??= this.scan()
        .then(() => undefined)
        .catch((e: Error) => this.s.log.warn({ err: e.message }, 'drop folder scan failed'))
        .finally(() => (this.running = undefined));
    }, this.o.intervalMs);
  }

  async stop() {
    clearInterval(this.timer);
    await this.running;
  }

  /** Whether a recording is complete by the configured convention (and since when, for the sidecar wait). */
  private async complete(name: string, file: string, now: number): Promise<number | undefined> {
    const base = name.replace(/\.wav$/i, '');
    if (this.o.completion === 'done-marker')
      return fs.existsSync(path.join(this.dir, `${base}.done`)) ? now - this.o.sidecarWaitMs : undefined;
    const st = await fs.promises.stat(file);
    const prev = this.seen.get(file);
    if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
      this.seen.set(file, { size: st.size, mtimeMs: st.mtimeMs, since: now });
      return undefined;
    }
    return now - prev.since >= this.o.settleMs ? prev.since + this.o.settleMs : undefined;
  }

  /** One pass over the directory; returns what it did (for the CLI and tests). */
  async scan(now = Date.now()): Promise<Array<{ file: string; outcome: Outcome; reason?: string }>> {
    const done: Array<{ file: string; outcome: Outcome; reason?: string }> = [];
    const entries = await fs.promises.readdir(this.dir, { withFileTypes: true });
    for (const e of entries) {
      if (!e.isFile() || !e.name.toLowerCase().endsWith('.wav')) continue;
      const file = path.join(this.dir, e.name);
      const completeSince = await this.complete(e.name, file, now);
      if (completeSince === undefined) continue;
      const base = e.name.replace(/\.wav$/i, '');
      const sidecar = path.join(this.dir, `${base}.json`);
      // the sidecar may be written after the recording: wait for it a while before refusing the recording
      if (!fs.existsSync(sidecar) && now - completeSince < this.o.sidecarWaitMs) continue;
      let outcome: Outcome = 'processed';
      let reason: string | undefined;
      let reasonCode: string | undefined;
      let conversationId: string | undefined;
      let sha256: string | undefined;
      try {
        let metadata: unknown = {};
        if (fs.existsSync(sidecar)) {
          try {
            metadata = JSON.parse(await fs.promises.readFile(sidecar, 'utf8'));
          } catch (err) {
            throw invalid('invalid_metadata', `sidecar ${base}.json is not valid JSON: ${(err as Error).message}`);
          }
        } else throw invalid('missing_metadata', `no sidecar ${base}.json next to the recording`);
        const size = (await fs.promises.stat(file)).size;
        if (size > this.s.config.HOTLINE_MAX_UPLOAD_BYTES)
          throw new AudioFormatError(
            413,
            'too_large',
            `recording is ${size} bytes; the limit is ${this.s.config.HOTLINE_MAX_UPLOAD_BYTES}`,
          );
        const audio = await fs.promises.readFile(file);
        const r = await ingestCall(this.s, { audio, metadata, source: 'drop', originalName: e.name });
        if (r.duplicate) outcome = 'duplicate';
        conversationId = r.conversation.id;
        sha256 = ObjectStore.hash(audio);
      } catch (err) {
        if (!(err instanceof DomainError || err instanceof AudioFormatError)) {
          // infrastructure trouble (database down...): leave the file where it is and try again on the next pass
          this.s.log.warn(
            { file: nameRef(e.name), err: (err as Error).message },
            'drop folder: ingest failed, will retry',
          );
          continue;
        }
        outcome = 'rejected';
        reason = err.message;
        reasonCode = err.code;
      }
      this.seen.delete(file);
      // every recording the folder takes, or refuses, is in the audit trail (never its file name: it may carry a
      // caller's number)
      await this.s.audit.append({
        actorId: 'system:drop-folder',
        actorName: 'drop folder',
        roles: [],
        requestId: null,
        action: 'conversation.ingest',
        objectType: conversationId ? 'conversation' : null,
        objectId: conversationId ?? null,
        reason: reasonCode ?? null,
        outcome: outcome === 'rejected' ? 'denied' : 'allowed',
        details: { source: 'drop', channel: 'call', duplicate: outcome === 'duplicate', sha256: sha256 ?? null },
      });
      if (outcome === 'rejected') {
        // a unique name: a recorder that reuses a name does not overwrite an earlier rejection
        const unique = `${base}.${new Date(now).toISOString().replace(/[:.]/g, '-')}-${crypto.randomBytes(3).toString('hex')}`;
        const target = path.join(this.dir, 'rejected');
        // the reason first and the recording last: once the recording has left the folder, everything about its
        // rejection is there to read (IT, or a script waiting on the folder, never sees a rejection without a reason)
        await fs.promises.writeFile(path.join(target, `${unique}.reason.txt`), `${reason}\n`);
        // kept sealed under a key wrapped by the KEK, never in plaintext (a call may hold card numbers, a sidecar a
        // customer reference): `hotline drop release <name>` gives an operator the files back to mend and drop again
        const size = (await fs.promises.stat(file)).size;
        if (size <= this.s.config.HOTLINE_MAX_UPLOAD_BYTES) {
          const seal = async (from: string, to: string, ext: string) => {
            await fs.promises.writeFile(
              path.join(target, `${to}.${ext}.sealed`),
              sealFile(
                this.s.vault.kek,
                this.s.vault.suite,
                rejectedContext(to, ext),
                await fs.promises.readFile(from),
              ),
              { mode: 0o600 },
            );
            await fs.promises.rm(from, { force: true });
          };
          if (fs.existsSync(sidecar)) await seal(sidecar, unique, 'json');
          await seal(file, unique, 'wav');
        } else {
          // over the upload limit it is not a call the appliance takes; it is moved aside as it came (sealing it
          // would need it whole in memory) and named in the log for IT
          if (fs.existsSync(sidecar)) await fs.promises.rename(sidecar, path.join(target, `${unique}.json`));
          await fs.promises.rename(file, path.join(target, `${unique}.wav`));
          this.s.log.warn({ file: nameRef(e.name), size }, 'drop folder: oversize recording moved aside unsealed');
        }
      } else {
        // the appliance now holds the recording encrypted: the plaintext file and its sidecar (which may carry a
        // customer reference) are deleted, and a receipt says where it went
        const receipt = { file: e.name, outcome, conversationId, sha256, at: new Date(now).toISOString() };
        await fs.promises.writeFile(
          path.join(this.dir, 'processed', `${base}.receipt.json`),
          `${JSON.stringify(receipt, null, 2)}\n`,
        );
        await fs.promises.rm(file, { force: true });
        await fs.promises.rm(sidecar, { force: true });
      }
      await fs.promises.rm(path.join(this.dir, `${base}.done`), { force: true });
      this.s.log.info({ file: nameRef(e.name), outcome }, 'drop folder: recording handled');
      done.push({ file: e.name, outcome, reason });
    }
    return done;
  }
}
