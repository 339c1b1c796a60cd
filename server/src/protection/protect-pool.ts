import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MaskingPolicy } from './pii/mask';
import type { PlainUtterance, ProtectedTranscript } from './protect-transcript';

/** Masking a transcript took longer than its deadline: the thread was stopped, nothing is kept. */
export class ProtectionDeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`masking did not finish within ${deadlineMs} ms`);
    this.name = 'ProtectionDeadlineError';
  }
}
/** Every masking thread is busy and the queue is full: come back shortly. */
export class ProtectionBusyError extends Error {
  constructor() {
    super('every masking thread is busy');
    this.name = 'ProtectionBusyError';
  }
}

/** The thread's script: beside this file when compiled; run from the sources (tests), the build's copy. */
function threadScript(): string {
  const own = path.join(__dirname, 'protect-thread.js');
  return fs.existsSync(own) ? own : path.resolve(__dirname, '..', '..', 'dist', 'protection', 'protect-thread.js');
}

interface Job {
  id: number;
  utterances: PlainUtterance[];
  resolve: (v: ProtectedTranscript) => void;
  reject: (e: Error) => void;
}
interface Slot {
  worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
}

/**
 * PII detection and masking in worker threads with a deadline, so a conversation crafted to be slow cannot stall the
 * API's event loop (every request of every user waits on it). A thread past its deadline is terminated and replaced;
 * the caller gets ProtectionDeadlineError. Threads start on first use; `maxQueue` bounds what waits for one.
 */
export class ProtectionPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly policy: MaskingPolicy,
    private readonly opts: { threads: number; deadlineMs: number; maxQueue: number },
  ) {}

  protect(utterances: PlainUtterance[]): Promise<ProtectedTranscript> {
    if (this.closed) return Promise.reject(new Error('masking pool is closed'));
    if (this.queue.length >= this.opts.maxQueue) return Promise.reject(new ProtectionBusyError());
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, utterances, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(threadScript(), { workerData: this.policy }) };
    slot.worker.on('message', (m: { id: number; ok: boolean; value?: ProtectedTranscript; message?: string }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      clearTimeout(slot.timer);
      slot.job = undefined;
      if (m.ok) job.resolve(m.value!);
      else job.reject(new Error(`masking failed: ${m.message}`));
      this.pump();
    });
    slot.worker.on('error', (e) => this.replace(slot, new Error(`masking thread crashed: ${e.message}`)));
    // a thread never stops on its own: an exit is a crash, and its job must not wait for ever
    slot.worker.on('exit', () => this.replace(slot, new Error('masking thread exited')));
    slot.worker.unref();
    return slot;
  }

  /** Drops a thread (stopped or crashed), fails its job with `reason`, and lets a fresh one take the queue. */
  private replace(slot: Slot, reason: Error) {
    if (!this.slots.includes(slot)) return;
    clearTimeout(slot.timer);
    this.slots = this.slots.filter((s) => s !== slot);
    slot.job?.reject(reason);
    slot.job = undefined;
    void slot.worker.terminate();
    this.pump();
  }

  private pump() {
    if (this.closed) return;
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.opts.threads) {
        slot = this.spawn();
        this.slots.push(slot);
      }
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      const s = slot;
      slot.timer = setTimeout(
        () => this.replace(s, new ProtectionDeadlineError(this.opts.deadlineMs)),
        this.opts.deadlineMs,
      );
      slot.worker.postMessage({ id: job.id, utterances: job.utterances });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('masking pool closed'));
    const slots = this.slots.splice(0);
    for (const s of slots) {
      clearTimeout(s.timer);
      s.job?.reject(new Error('masking pool closed'));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
