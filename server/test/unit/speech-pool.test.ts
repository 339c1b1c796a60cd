import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpeechModelError } from '../../src/speech/engine';
import { decodeWav, inspectWav } from '../../src/speech/audio/wav';

// The pool starts dist/speech/asr-thread.js next to its own file: use the compiled module so thread and caller agree.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SpeechPool } = require(
  path.resolve(__dirname, '..', '..', 'dist', 'speech', 'pool.js'),
) as typeof import('../../src/speech/pool');
const DATA = process.env.HOTLINE_DATA_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
const DIGITS = path.join(DATA, 'audio', 'vosk-test', 'test.wav');

describe('speech pool (pocketsphinx in worker threads)', () => {
  it('refuses to start on a bad model with the engine message', async () => {
    const err = await SpeechPool.start({ engine: 'pocketsphinx', modelDir: '/nope' }, 1).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe(new SpeechModelError('').name);
    expect((err as Error).message).toMatch(/pocketsphinx model incomplete under \/nope/);
  });

  it.skipIf(!fs.existsSync(DIGITS))('decodes a real recording identically on every thread and every time', async () => {
    const pool = await SpeechPool.start({ engine: 'pocketsphinx', modelDir: '/usr/share/pocketsphinx/model/en-us' }, 2);
    try {
      const wav = fs.readFileSync(DIGITS);
      const [raw] = decodeWav(wav);
      const { resample } = await import('../../src/speech/audio/resample');
      const { detectSpeech } = await import('../../src/speech/vad');
      const full = resample(raw, inspectWav(wav).sampleRate, 16000);
      const [first] = detectSpeech(full, 16000); // the first digit string, cut as the pipeline cuts it
      const pcm = full.slice(first.startSample, first.endSample);
      const runs = (await Promise.all([1, 2, 3, 4].map(() => pool.decode(pcm)))).map((r) => r.words);
      const texts = runs.map((w) => w.map((x) => x.word).join(' '));
      expect(texts[0]).toBe('one zero zero zero one');
      // word timings relative to the segment, stable across threads (each segment is its own stream)
      expect(runs[0][0].startMs).toBeGreaterThanOrEqual(0);
      expect(runs[0][0].startMs).toBeLessThan(400); // the segment starts 150 ms before the speech
      for (const r of runs.slice(1))
        expect(r.map((w) => [w.word, w.startMs])).toEqual(runs[0].map((w) => [w.word, w.startMs]));
    } finally {
      await pool.close();
    }
  });

  it.skipIf(!fs.existsSync(DIGITS))(
    'prepares a recording in a thread exactly as in process, and passes bad audio errors through',
    async () => {
      const pool = await SpeechPool.start(
        { engine: 'pocketsphinx', modelDir: '/usr/share/pocketsphinx/model/en-us' },
        1,
      );
      try {
        const { prepareAudio } = await import('../../src/speech/transcribe');
        const wav = fs.readFileSync(DIGITS);
        const inThread = await pool.prepare(wav);
        const local = prepareAudio(wav, 16000);
        expect(inThread.segments.map((s) => [s.channel, s.offsetMs, s.pcm.length])).toEqual(
          local.segments.map((s) => [s.channel, s.offsetMs, s.pcm.length]),
        );
        expect(Array.from(inThread.segments[1].pcm.subarray(0, 64))).toEqual(
          Array.from(local.segments[1].pcm.subarray(0, 64)),
        );
        const err = await pool.prepare(Buffer.from('RIFF')).catch((e: Error & { status?: number }) => e);
        expect([err.name, (err as { status?: number }).status]).toEqual(['AudioFormatError', 422]);
      } finally {
        await pool.close();
      }
    },
  );
});
