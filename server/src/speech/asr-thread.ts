import { parentPort, workerData } from 'node:worker_threads';
import type { EngineSpec, SegmentResult } from './engine';
import { createEngine, createSegmenter } from './engines';
import { prepareAudio } from './transcribe';

/** One speech model per worker thread. Decodes segments, and prepares recordings (G.711, resampling, segmentation). */
type Msg =
  | { type: 'decode'; id: number; pcm: Int16Array; rate: number }
  | { type: 'prepare'; id: number; wav: Uint8Array }
  | { type: 'close' };

const port = parentPort!;
try {
  const spec = workerData as EngineSpec;
  const engine = createEngine(spec);
  const segmenter = createSegmenter(spec);
  port.postMessage({
    type: 'ready',
    modelId: segmenter ? `${engine.modelId}+${segmenter.modelId}` : engine.modelId,
    sampleRate: engine.sampleRate,
    nativeRates: engine.nativeRates,
  });
  port.on('message', (msg: Msg) => {
    if (msg.type === 'close') {
      engine.close();
      port.close();
      return;
    }
    try {
      const t0 = process.hrtime.bigint();
      if (msg.type === 'decode') {
        const value: SegmentResult = {
          words: engine.decode(msg.pcm, msg.rate),
          keyphrases: engine.spot?.(msg.pcm, msg.rate) ?? [],
        };
        port.postMessage({ type: 'result', id: msg.id, value, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
      } else {
        const wav = Buffer.from(msg.wav.buffer, msg.wav.byteOffset, msg.wav.byteLength);
        const prepared = prepareAudio(wav, engine.sampleRate, {
          nativeRates: engine.nativeRates,
          segmenter: segmenter && { rate: 16000, cut: (pcm) => segmenter.segments(pcm) },
        });
        const transfer = prepared.segments.map((s) => s.pcm.buffer as ArrayBuffer);
        port.postMessage({ type: 'result', id: msg.id, value: prepared, ms: 0 }, transfer);
      }
    } catch (e) {
      port.postMessage({
        type: 'error',
        id: msg.id,
        message: (e as Error).message,
        name: (e as Error).name,
        status: (e as { status?: number }).status,
        code: (e as { code?: string }).code,
      });
    }
  });
} catch (e) {
  port.postMessage({ type: 'fatal', message: (e as Error).message });
}
