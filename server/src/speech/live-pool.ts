import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SpeechModelError } from './engine';
import type { LiveEvent, LiveOptions } from './live';

type Listener = (events: LiveEvent[]) => void;

interface Thread {
  worker: Worker;
  keys: Set<string>;
}

/**
 * Streaming recognition off the caller's event loop: threads each holding one recogniser and the streams of many
 * channels (a channel stays on the thread it opened on, so its audio is decoded in order). The listener given at
 * `open` gets the events of each audio message (none, often); `end` resolves after the channel's last turn has been decoded and delivered.
 */
export class LiveSpeech {
  /** thread time spent decoding, ms */
  cpuMs = 0;
  private readonly listeners = new Map<string, Listener>();
  private readonly closing = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly threadOf = new Map<string, Thread>();

  private constructor(
    private readonly threads: Thread[],
    readonly modelId: string,
  ) {
    for (const t of threads) {
      t.worker.on('message', (m) => this.onMessage(t, m));
      t.worker.on('error', (e) => this.onCrash(t, e));
    }
  }

  static async start(modelDir: string, size: number, options: LiveOptions = {}): Promise<LiveSpeech> {
    const script = path.join(__dirname, 'live-thread.js');
    const started = await Promise.all(
      Array.from(
        { length: Math.max(1, size) },
        () =>
          new Promise<{ worker: Worker; modelId: string }>((resolve, reject) => {
            const worker = new Worker(script, { workerData: { modelDir, options } });
            worker.once('message', (m: { type: string; modelId: string; message: string }) => {
              if (m.type === 'ready') resolve({ worker, modelId: m.modelId });
              else {
                void worker.terminate();
                reject(new SpeechModelError(m.message));
              }
            });
            worker.once('error', reject);
          }),
      ),
    );
    return new LiveSpeech(
      started.map((s) => ({ worker: s.worker, keys: new Set() })),
      started[0].modelId,
    );
  }

  open(key: string, rate: number, listener: Listener): void {
    if (this.threadOf.has(key)) throw new Error(`live stream ${key} is already open`);
    if (!this.threads.length) throw new Error('no live speech threads left');
    const t = this.threads.reduce((a, b) => (b.keys.size < a.keys.size ? b : a));
    t.keys.add(key);
    this.threadOf.set(key, t);
    this.listeners.set(key, listener);
    t.worker.postMessage({ type: 'open', key, rate });
  }

  feed(key: string, pcm: Int16Array): void {
    const t = this.threadOf.get(key);
    if (!t) throw new Error(`live stream ${key} is not open`);
    t.worker.postMessage({ type: 'audio', key, pcm }, [pcm.buffer as ArrayBuffer]);
  }

  /** The channel ended: its last turn is decoded and delivered before this resolves. */
  end(key: string): Promise<void> {
    const t = this.threadOf.get(key);
    if (!t) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.closing.set(key, { resolve, reject });
      t.worker.postMessage({ type: 'close', key });
    });
  }

  private done(key: string, err?: Error) {
    const t = this.threadOf.get(key);
    t?.keys.delete(key);
    this.threadOf.delete(key);
    this.listeners.delete(key);
    const c = this.closing.get(key);
    this.closing.delete(key);
    if (c) {
      if (err) c.reject(err);
      else c.resolve();
    }
  }

  private onMessage(
    _t: Thread,
    m: { type: string; key: string; events: LiveEvent[]; cpuMs: number; closed: boolean; message: string },
  ) {
    if (m.type === 'events') {
      this.cpuMs += m.cpuMs;
      // every reply, empty or not: the listener counts what is still being decoded
      this.listeners.get(m.key)?.(m.events);
      if (m.closed) this.done(m.key);
    } else if (m.type === 'error') this.done(m.key, new Error(`live speech: ${m.message}`));
  }

  private onCrash(t: Thread, e: Error) {
    this.threads.splice(this.threads.indexOf(t), 1);
    for (const key of [...t.keys]) this.done(key, new Error(`live speech thread crashed: ${e.message}`));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.threads.map(
        (t) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void t.worker.terminate().then(() => resolve()), 3000);
            t.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            t.worker.postMessage({ type: 'exit' });
          }),
      ),
    );
    this.threads.length = 0;
  }
}
