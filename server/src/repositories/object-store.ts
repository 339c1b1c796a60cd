import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Local content-addressed object store: bytes live under <root>/<aa>/<bb>/<sha256>.
 * Writes go to a temporary file first and are renamed into place, so a reader never sees half an object.
 */
export class ObjectStore {
  constructor(readonly root: string) {
    fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  }

  /** The volume the objects live on: its size and what is free (bytes). */
  volume(): { totalBytes: number; freeBytes: number } {
    const st = fs.statfsSync(this.root);
    return { totalBytes: st.blocks * st.bsize, freeBytes: st.bavail * st.bsize };
  }

  static hash(bytes: Buffer): string {
    return crypto.createHash('sha256').update(bytes).digest('hex');
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('object store: not a sha256 address');
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(bytes: Buffer): Promise<{ sha256: string; created: boolean }> {
    const sha256 = ObjectStore.hash(bytes);
    const dest = this.pathOf(sha256);
    if (fs.existsSync(dest)) return { sha256, created: false };
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    const tmp = path.join(this.root, 'tmp', `${sha256}.${process.pid}.${crypto.randomUUID()}`);
    await fs.promises.writeFile(tmp, bytes, { mode: 0o640 });
    await fs.promises.rename(tmp, dest);
    return { sha256, created: true };
  }

  async get(sha256: string): Promise<Buffer> {
    const bytes = await fs.promises.readFile(this.pathOf(sha256));
    if (ObjectStore.hash(bytes) !== sha256) throw new Error(`object store: object ${sha256.slice(0, 12)}… is corrupt`);
    return bytes;
  }

  async size(sha256: string): Promise<number> {
    return (await fs.promises.stat(this.pathOf(sha256))).size;
  }

  openRead(sha256: string, range?: { start: number; end: number }): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256), range);
  }

  /** Stored objects (not temporary files) last written before `before`. */
  listOlderThan(before: Date): string[] {
    if (!fs.existsSync(this.root)) return [];
    return fs
      .readdirSync(this.root, { recursive: true })
      .map(String)
      .filter((f) => /(^|\/)[0-9a-f]{64}$/.test(f))
      .filter((f) => fs.statSync(path.join(this.root, f)).mtimeMs < before.getTime())
      .map((f) => path.basename(f));
  }

  async delete(sha256: string): Promise<void> {
    await fs.promises.rm(this.pathOf(sha256), { force: true });
  }
}
