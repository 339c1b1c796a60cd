import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/speech/audio/wav';
import { RecognizedWord } from '../../src/speech/engine';
import { sameSignal, transcribeWav } from '../../src/speech/transcribe';

/** A decoder that reports one word per segment spanning it, so the test sees exactly how segments are placed. */
const spanDecoder = (rate: number) => ({
  sampleRate: rate,
  calls: 0,
  async decode(pcm: Int16Array): Promise<{ words: RecognizedWord[]; keyphrases: [] }> {
    this.calls++;
    return {
      words: [{ word: `seg${this.calls}`, startMs: 0, endMs: Math.round((pcm.length * 1000) / rate), confidence: 0.9 }],
      keyphrases: [],
    };
  },
});

function burst(total: number, rate: number, spans: Array<[number, number]>): Int16Array {
  const x = new Int16Array(total * rate);
  for (const [a, b] of spans)
    for (let i = a * rate; i < b * rate; i++)
      x[i] = Math.round(6000 * Math.sin(i / 3) * (0.6 + 0.4 * Math.sin(i / 900)));
  return x;
}

describe('transcribeWav', () => {
  it('maps channels to speakers, puts utterances on the conversation clock, and orders them by time', async () => {
    const rate = 16000;
    const agent = burst(10, rate, [
      [1, 3],
      [6, 8],
    ]);
    const customer = burst(10, rate, [[3.5, 5]]);
    const us = await transcribeWav(encodeWav([agent, customer], rate), ['agent', 'customer'], spanDecoder(rate));
    expect(us.map((u) => u.speaker)).toEqual(['agent', 'customer', 'agent']);
    expect(us[0].startMs).toBeGreaterThanOrEqual(800);
    expect(us[0].startMs).toBeLessThanOrEqual(1000);
    expect(us[1].startMs).toBeGreaterThanOrEqual(3300);
    expect(us[2].endMs).toBeGreaterThanOrEqual(8000);
    expect(us[2].endMs).toBeLessThanOrEqual(8200);
  });

  it('8 kHz input is brought to the engine rate first', async () => {
    const us = await transcribeWav(encodeWav([burst(4, 8000, [[1, 2]])], 8000), ['unknown'], spanDecoder(16000));
    expect(us).toHaveLength(1);
    expect(us[0].startMs).toBeGreaterThanOrEqual(800);
    expect(us[0].endMs).toBeLessThanOrEqual(2200);
  });

  it('a mono call written as two identical channels is decoded once', async () => {
    const x = burst(4, 16000, [[1, 2]]);
    const dec = spanDecoder(16000);
    const us = await transcribeWav(encodeWav([x, x.slice()], 16000), ['agent', 'customer'], dec);
    expect(dec.calls).toBe(1);
    expect(us.map((u) => u.speaker)).toEqual(['unknown']);
    expect(sameSignal(x, burst(4, 16000, [[2, 3]]))).toBe(false);
  });
});
