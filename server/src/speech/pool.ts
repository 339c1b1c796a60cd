import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AudioFormatError } from './audio/errors';
import { EngineSpec, SegmentResult, SpeechModelError } from './engine';
import type { PreparedAudio } from './transcribe';

interface Pending {
  id: number;
  msg: { type: 'decode'; pcm: Int16Array; rate: number } | { type: 'prepare'; wav: Uint8Array };
  resolve: (v: never) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

/**
 * A pool of worker threads, each holding one loaded speech model. Decoding never runs on the caller's event loop.
 */
export class SpeechPool {
  readonly modelId: string;
  readonly sampleRate: number;
  readonly nativeRates?: number[];
  readonly engine: EngineSpec['engine'];
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** thread CPU time spent decoding, ms */
  decodeMs = 0;

  private constructor(spec: EngineSpec, info: { modelId: string; sampleRate: number; nativeRates?: number[] }) {
    this.engine = spec.engine;
    this.modelId = info.modelId;
    this.sampleRate = info.sampleRate;
    this.nativeRates = info.nativeRates;
  }

  static async start(spec: EngineSpec, size: number): Promise<SpeechPool> {
    const script = path.join(__dirname, 'asr-thread.js');
    const workers = await Promise.all(
      Array.from(
        { length: size },
        () =>
          new Promise<{ worker: Worker; modelId: string; sampleRate: number; nativeRates?: number[] }>(
            (resolve, reject) => {
              const worker = new Worker(script, { workerData: spec });
              const onMessage = (m: {
                type: string;
                modelId: string;
                sampleRate: number;
                nativeRates?: number[];
                message: string;
              }) => {
                worker.off('error', reject);
                if (m.type === 'ready')
                  resolve({ worker, modelId: m.modelId, sampleRate: m.sampleRate, nativeRates: m.nativeRates });
                else {
                  void worker.terminate();
                  reject(new SpeechModelError(m.message));
                }
              };
              worker.once('message', onMessage);
              worker.once('error', reject);
            },
          ),
      ),
    );
    const pool = new SpeechPool(spec, workers[0]);
    for (const w of workers) {
      const slot: Slot = { worker: w.worker };
      w.worker.on('message', (m) => pool.onMessage(slot, m));
      w.worker.on('error', (e) => pool.onCrash(slot, e));
      pool.slots.push(slot);
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Words of one speech segment, plus keyphrase hits when the engine spots phrases. */
  decode(pcm: Int16Array, rate = this.sampleRate): Promise<SegmentResult> {
    return this.submit<SegmentResult>({ type: 'decode', pcm, rate });
  }

  /** WAV decoding, resampling and segmentation in a thread, so the caller's event loop (maybe the API's) stays free. */
  prepare(wav: Buffer): Promise<PreparedAudio> {
    return this.submit<PreparedAudio>({
      type: 'prepare',
      wav: new Uint8Array(wav.buffer, wav.byteOffset, wav.byteLength),
    });
  }

  private submit<T>(msg: Pending['msg']): Promise<T> {
    if (this.closed) return Promise.reject(new Error('speech pool is closed'));
    return new Promise<T>((resolve, reject) => {
      // preparation goes first: it feeds segments to every thread
      const job = { id: this.nextId++, msg, resolve: resolve as (v: never) => void, reject };
      if (msg.type === 'prepare') this.queue.unshift(job);
      else this.queue.push(job);
      this.pump();
    });
  }

  private pump() {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.busy = job;
      slot.worker.postMessage({ ...job.msg, id: job.id });
    }
  }

  private onMessage(
    slot: Slot,
    m: {
      type: string;
      id: number;
      value: never;
      message: string;
      name: string;
      status?: 413 | 415 | 422;
      code?: string;
      ms: number;
    },
  ) {
    const job = slot.busy;
    if (!job || job.id !== m.id) return;
    slot.busy = undefined;
    if (m.type === 'result') {
      this.decodeMs += m.ms;
      job.resolve(m.value);
    } else if (m.name === 'AudioFormatError' && m.status && m.code)
      job.reject(new AudioFormatError(m.status, m.code, m.message));
    else job.reject(new Error(`speech engine: ${m.message}`));
    this.pump();
  }

  private onCrash(slot: Slot, e: Error) {
    slot.busy?.reject(new Error(`speech worker crashed: ${e.message}`));
    slot.busy = undefined;
    this.slots = this.slots.filter((s) => s !== slot);
    if (this.slots.length === 0) for (const p of this.queue.splice(0)) p.reject(new Error('no speech workers left'));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('speech pool closed'));
    // let each thread free its native model and leave on its own: terminating a thread inside libpocketsphinx crashes
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void s.worker.terminate().then(() => resolve()), 5000);
            s.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            s.worker.postMessage({ type: 'close' });
          }),
      ),
    );
    this.slots = [];
  }
}
