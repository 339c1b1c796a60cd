import fs from 'node:fs';
import WebSocket from 'ws';
import { readEventStream } from '../../src/lib/event-stream';
import { ulawChannelBytes } from '../../src/speech/audio/wav';

/** A test's recorder: streams a stereo µ-law WAV over the live WebSocket in real time (or faster), frame by frame. */
export interface LiveReply {
  type: string;
  [k: string]: unknown;
}

export class TestRecorder {
  readonly replies: LiveReply[] = [];
  closed?: { code: number; reason: string };
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer, binary: boolean) => {
      if (!binary) this.replies.push(JSON.parse(d.toString('utf8')) as LiveReply);
      this.wake();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Connects; resolves with the HTTP status when the upgrade is refused. */
  static connect(url: string, token?: string): Promise<TestRecorder | { refused: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      ws.once('open', () => resolve(new TestRecorder(ws)));
      ws.once('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
      ws.once('error', reject);
    });
  }

  async next(type: string, timeoutMs = 20_000): Promise<LiveReply> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = this.replies.find((x) => x.type === type);
      if (r) {
        this.replies.splice(this.replies.indexOf(r), 1);
        return r;
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before "${type}"`);
      if (Date.now() > end) throw new Error(`no "${type}" within ${timeoutMs} ms: ${JSON.stringify(this.replies)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  send(m: Record<string, unknown>) {
    this.ws.send(JSON.stringify(m));
  }

  frame(channel: number, bytes: Buffer) {
    this.ws.send(Buffer.concat([Buffer.from([channel]), bytes]));
  }
}

/** The channels of a G.711 µ-law WAV file as separate byte arrays. */
export const ulawChannels = (file: string): Buffer[] => ulawChannelBytes(fs.readFileSync(file));

/**
 * Sends the channels from `from` (bytes per channel) in 100 ms frames, paced at `speed` × real time; stops early
 * (returning where it stopped) when `stopAt` bytes are reached.
 */
export async function streamChannels(
  rec: TestRecorder,
  channels: Buffer[],
  o: { from?: number[]; speed?: number; stopAt?: number; rate?: number } = {},
): Promise<number[]> {
  const step = Math.round((o.rate ?? 8000) / 10);
  const pos = o.from ? [...o.from] : channels.map(() => 0);
  const t0 = Date.now();
  const start = Math.min(...pos);
  for (let at = start; at < Math.max(...channels.map((c) => c.length)); at += step) {
    if (o.stopAt !== undefined && at >= o.stopAt) break;
    channels.forEach((c, ch) => {
      if (pos[ch] > at || pos[ch] >= c.length) return;
      const chunk = c.subarray(pos[ch], Math.min(pos[ch] + step, c.length));
      rec.frame(ch, chunk);
      pos[ch] += chunk.length;
    });
    const due = t0 + (((at - start + step) / step) * 100) / (o.speed ?? 1);
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return pos;
}

/** An event stream (SSE) read into a list, with the time each event arrived. */
export class EventStream {
  readonly events: Array<{ type: string; data: Record<string, unknown>; receivedAt: number }> = [];
  status = 0;
  private readonly abort = new AbortController();

  static async open(url: string, token: string): Promise<EventStream> {
    const s = new EventStream();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: s.abort.signal });
    s.status = res.status;
    if (res.ok && res.body) void s.read(res.body);
    else await res.text();
    return s;
  }

  private read(body: ReadableStream<Uint8Array>) {
    return readEventStream(body, (type, data) =>
      this.events.push({ type, data: JSON.parse(data) as Record<string, unknown>, receivedAt: Date.now() }),
    );
  }

  close() {
    this.abort.abort();
  }
}
