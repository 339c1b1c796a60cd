import { parentPort, workerData } from 'node:worker_threads';
import { sherpaModel } from './engines/sherpa';
import { LiveRecognizer, type LiveOptions } from './live';

/** One streaming recogniser per thread, holding the streams of many calls' channels. */
type Msg =
  | { type: 'open'; key: string; rate: number }
  | { type: 'audio'; key: string; pcm: Int16Array }
  | { type: 'close'; key: string }
  | { type: 'exit' };

const port = parentPort!;
try {
  const { modelDir, options } = workerData as { modelDir: string; options: LiveOptions };
  const rec = new LiveRecognizer(sherpaModel(modelDir), options);
  port.postMessage({ type: 'ready', modelId: rec.modelId });
  port.on('message', (msg: Msg) => {
    if (msg.type === 'exit') {
      port.close();
      return;
    }
    const t0 = process.hrtime.bigint();
    try {
      if (msg.type === 'open') rec.open(msg.key, msg.rate);
      else {
        const events = msg.type === 'audio' ? rec.feed(msg.key, msg.pcm) : rec.close(msg.key);
        const cpuMs = Number(process.hrtime.bigint() - t0) / 1e6;
        port.postMessage({ type: 'events', key: msg.key, events, cpuMs, closed: msg.type === 'close' });
      }
    } catch (e) {
      port.postMessage({ type: 'error', key: msg.key, message: (e as Error).message });
    }
  });
} catch (e) {
  port.postMessage({ type: 'fatal', message: (e as Error).message });
}
