import fs from 'node:fs';
import path from 'node:path';
import { ingestCall, IngestDeps } from './ingest-call';
import { ObjectStore } from '../repositories/object-store';
import { DomainError, invalid } from '../lib/errors';
import { AudioFormatError } from '../speech/audio/errors';

/**
 * On-prem call recorders drop `<name>.wav` plus a sidecar `<name>.json` (metadata) into a directory.
 * Each recording is ingested once. Accepted (or recognised duplicate): the plaintext file and sidecar are deleted and
 * `processed/<name>.receipt.json` names the conversation. Refused: moved to rejected/ with `<name>.reason.txt`.
 * A file is only picked up once its size has stayed the same for one poll (the recorder finished writing).
 */
export class DropFolderWatcher {
  private timer?: NodeJS.Timeout;
  private sizes = new Map<string, number>();
  private running?: Promise<void>;

  constructor(
    private readonly s: IngestDeps,
    readonly dir: string,
    private readonly intervalMs = 2000,
  ) {
    for (const sub of ['processed', 'rejected']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  }

  start() {
    this.timer = setInterval(() => {
      this.running ??= this.scan()
        .then(() => undefined)
        .catch((e: Error) => this.s.log.warn({ err: e.message }, 'drop folder scan failed'))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async stop() {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the directory; returns what it did (for the CLI and tests). */
  async scan(
    opts: { settle?: boolean } = { settle: true },
  ): Promise<Array<{ file: string; outcome: 'processed' | 'rejected' | 'duplicate'; reason?: string }>> {
    const done: Array<{ file: string; outcome: 'processed' | 'rejected' | 'duplicate'; reason?: string }> = [];
    const entries = await fs.promises.readdir(this.dir, { withFileTypes: true });
    for (const e of entries) {
      if (!e.isFile() || !e.name.toLowerCase().endsWith('.wav')) continue;
      const file = path.join(this.dir, e.name);
      const size = (await fs.promises.stat(file)).size;
      if (opts.settle && this.sizes.get(file) !== size) {
        this.sizes.set(file, size);
        continue;
      }
      this.sizes.delete(file);
      const base = e.name.replace(/\.wav$/i, '');
      const sidecar = path.join(this.dir, `${base}.json`);
      let outcome: 'processed' | 'rejected' | 'duplicate' = 'processed';
      let reason: string | undefined;
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
        const audio = await fs.promises.readFile(file);
        const r = await ingestCall(this.s, { audio, metadata, source: 'drop', originalName: e.name });
        if (r.duplicate) outcome = 'duplicate';
        conversationId = r.conversation.id;
        sha256 = ObjectStore.hash(audio);
      } catch (err) {
        if (!(err instanceof DomainError || err instanceof AudioFormatError)) {
          // infrastructure trouble (database down...): leave the file where it is and try again on the next pass
          this.s.log.warn({ file: e.name, err: (err as Error).message }, 'drop folder: ingest failed, will retry');
          continue;
        }
        outcome = 'rejected';
        reason = err.message;
      }
      if (outcome === 'rejected') {
        const target = path.join(this.dir, 'rejected');
        await fs.promises.rename(file, path.join(target, e.name));
        if (fs.existsSync(sidecar)) await fs.promises.rename(sidecar, path.join(target, `${base}.json`));
        await fs.promises.writeFile(path.join(target, `${base}.reason.txt`), `${reason}\n`);
      } else {
        // the appliance now holds the recording encrypted: the plaintext file and its sidecar (which may carry a
        // customer reference) are deleted, and a receipt says where it went
        const receipt = { file: e.name, outcome, conversationId, sha256, at: new Date().toISOString() };
        await fs.promises.writeFile(
          path.join(this.dir, 'processed', `${base}.receipt.json`),
          `${JSON.stringify(receipt, null, 2)}\n`,
        );
        await fs.promises.rm(file, { force: true });
        await fs.promises.rm(sidecar, { force: true });
      }
      this.s.log.info({ file: e.name, outcome }, 'drop folder: recording handled');
      done.push({ file: e.name, outcome, reason });
    }
    return done;
  }
}
