import { parentPort, workerData } from 'node:worker_threads';
import type { EngineSpec } from './engine';
import { createEngine } from './engines';

/** One speech model per worker thread; decodes the segments it is sent, one at a time. */
const port = parentPort!;
try {
  const engine = createEngine(workerData as EngineSpec);
  port.postMessage({ type: 'ready', modelId: engine.modelId, sampleRate: engine.sampleRate });
  port.on('message', (msg: { id: number; pcm: Int16Array; type?: 'close' }) => {
    if (msg.type === 'close') {
      engine.close();
      port.close();
      return;
    }
    try {
      const t0 = process.hrtime.bigint();
      const words = engine.decode(msg.pcm);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      port.postMessage({ type: 'result', id: msg.id, words, ms });
    } catch (e) {
      port.postMessage({ type: 'error', id: msg.id, message: (e as Error).message });
    }
  });
} catch (e) {
  port.postMessage({ type: 'fatal', message: (e as Error).message });
}
