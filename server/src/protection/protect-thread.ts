import { parentPort, workerData } from 'node:worker_threads';
import type { MaskingPolicy } from './pii/mask';
import { PlainUtterance, protectTranscript } from './protect-transcript';

/** One masking thread: detects and masks a transcript off the caller's event loop (see protect-pool.ts). */
const port = parentPort!;
const policy = workerData as MaskingPolicy;
port.on('message', (msg: { id: number; utterances: PlainUtterance[] }) => {
  try {
    port.postMessage({ id: msg.id, ok: true, value: protectTranscript(msg.utterances, policy) });
  } catch (e) {
    port.postMessage({ id: msg.id, ok: false, message: (e as Error).message });
  }
});
