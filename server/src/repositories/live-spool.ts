import fs from 'node:fs';
import path from 'node:path';
import type { CipherSuite } from '../protection/cipher';
import { newFileKey, openFileKey, type WrappedFileKey } from '../protection/file-key';
import type { KekProvider } from '../protection/keyring';

/**
 * The audio of calls in progress, on disk until the call ends and enters the pipeline: what was received survives a
 * dropped connection and a restart of the API. Nothing is stored readable: each call has a data key of its own,
 * wrapped by the KEK (`key.json`); the call's description (`meta.enc`, it holds the recorder's metadata) and every
 * chunk of each channel (`ch<N>.spool`: records of u32 length + sealed bytes, bound to the call, channel and
 * offset) are sealed with the configured suite. A record cut short by a crash is ignored when read back.
 */
export interface SpoolMeta {
  sessionId: string;
  /** the recorder's id for the call (its resumption key), and the client that sends it */
  callId: string;
  client: string;
  encoding: 'mulaw' | 'pcm16';
  sampleRate: number;
  channels: number;
  metadata: Record<string, unknown>;
  startedAt: string;
}

export class LiveSpool {
  private readonly handles = new Map<number, fs.promises.FileHandle>();
  /** plaintext bytes stored per channel */
  readonly stored: number[];
  /** the last write of each channel: a channel's records are written in order (their offsets are bound in) */
  private readonly tails = new Map<number, Promise<void>>();

  private constructor(
    readonly dir: string,
    readonly meta: SpoolMeta,
    private readonly key: Buffer,
    private readonly suite: CipherSuite,
    stored: number[],
  ) {
    this.stored = stored;
  }

  static async create(root: string, meta: SpoolMeta, kek: KekProvider, suite: CipherSuite): Promise<LiveSpool> {
    const dir = path.join(root, meta.sessionId);
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    const { key, wrapped: keyFile } = newFileKey(kek, suite, `live_spool|${meta.sessionId}`);
    await writeDurably(path.join(dir, 'key.json'), Buffer.from(JSON.stringify(keyFile)));
    const sealed = suite.seal(key, Buffer.from(JSON.stringify(meta)), Buffer.from(`live_spool|${meta.sessionId}|meta`));
    await writeDurably(path.join(dir, 'meta.enc'), sealed);
    return new LiveSpool(
      dir,
      meta,
      key,
      suite,
      Array.from({ length: meta.channels }, () => 0),
    );
  }

  /** The spools left on disk (a restart, or calls whose recorder never came back). */
  static async openAll(root: string, kek: KekProvider): Promise<LiveSpool[]> {
    if (!fs.existsSync(root)) return [];
    const out: LiveSpool[] = [];
    for (const id of await fs.promises.readdir(root)) {
      const dir = path.join(root, id);
      if (!fs.existsSync(path.join(dir, 'meta.enc'))) continue;
      const k = JSON.parse(await fs.promises.readFile(path.join(dir, 'key.json'), 'utf8')) as WrappedFileKey;
      const { key, suite } = openFileKey(kek, k, `live_spool|${id}`);
      const sealed = await fs.promises.readFile(path.join(dir, 'meta.enc'));
      const meta = JSON.parse(
        suite.open(key, sealed, Buffer.from(`live_spool|${id}|meta`)).toString('utf8'),
      ) as SpoolMeta;
      const spool = new LiveSpool(
        dir,
        meta,
        key,
        suite,
        Array.from({ length: meta.channels }, () => 0),
      );
      for (let ch = 0; ch < meta.channels; ch++) spool.stored[ch] = (await spool.read(ch)).length;
      out.push(spool);
    }
    return out;
  }

  /** Appends bytes of one channel; resolves once they are on disk. */
  append(channel: number, bytes: Buffer): Promise<void> {
    const offset = this.stored[channel];
    this.stored[channel] += bytes.length;
    const record = this.suite.seal(this.key, bytes, this.aad(channel, offset));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(record.length);
    const p = (this.tails.get(channel) ?? Promise.resolve())
      .then(() => this.handle(channel))
      .then((h) => h.appendFile(Buffer.concat([head, record])));
    this.tails.set(channel, p);
    return p;
  }

  /** Waits for every append so far and makes them durable. */
  async sync(): Promise<void> {
    await Promise.all(this.tails.values());
    await Promise.all([...this.handles.values()].map((h) => h.datasync()));
  }

  /** One channel's bytes as received (records cut short at the end are left out). */
  async read(channel: number): Promise<Buffer> {
    const file = path.join(this.dir, `ch${channel}.spool`);
    if (!fs.existsSync(file)) return Buffer.alloc(0);
    const data = await fs.promises.readFile(file);
    const parts: Buffer[] = [];
    let at = 0;
    let offset = 0;
    while (at + 4 <= data.length) {
      const len = data.readUInt32LE(at);
      if (at + 4 + len > data.length) break;
      const record = data.subarray(at + 4, at + 4 + len);
      const plain = this.suite.open(this.key, record, this.aad(channel, offset));
      parts.push(plain);
      offset += plain.length;
      at += 4 + len;
    }
    return Buffer.concat(parts);
  }

  async close(): Promise<void> {
    await this.sync().catch(() => undefined);
    await Promise.all([...this.handles.values()].map((h) => h.close()));
    this.handles.clear();
  }

  /** The call entered the pipeline: its spool and key are gone. */
  async remove(): Promise<void> {
    await this.close();
    this.key.fill(0);
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }

  private aad(channel: number, offset: number) {
    return Buffer.from(`live_spool|${this.meta.sessionId}|${channel}|${offset}`);
  }

  /** called inside the channel's chain only, so one handle per channel */
  private async handle(channel: number): Promise<fs.promises.FileHandle> {
    let h = this.handles.get(channel);
    if (!h) {
      h = await fs.promises.open(path.join(this.dir, `ch${channel}.spool`), 'a', 0o600);
      this.handles.set(channel, h);
    }
    return h;
  }
}

async function writeDurably(file: string, bytes: Buffer) {
  const fh = await fs.promises.open(file, 'w', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
