import { describe, expect, it } from 'vitest';
import { resample } from '../../src/speech/audio/resample';
import { detectSpeech } from '../../src/speech/vad';
import { normalizeWords, wordErrors } from '../../src/lib/wer';

const sine = (n: number, rate: number, f: number, amp = 10000) =>
  Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * f * i) / rate)));
const rms = (x: Int16Array, from = 0, to = x.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / (to - from));
};

describe('resample', () => {
  it('8 kHz → 16 kHz doubles the length and keeps a 1 kHz tone at its level and frequency', () => {
    const x = sine(8000, 8000, 1000);
    const y = resample(x, 8000, 16000);
    expect(y.length).toBe(16000);
    expect(rms(y, 1000, 15000) / rms(x, 500, 7500)).toBeCloseTo(1, 1);
    // compare against the ideal 16 kHz sine (the filter is linear phase and delay-compensated)
    const ideal = sine(16000, 16000, 1000);
    let err = 0;
    for (let i = 1000; i < 15000; i++) err += (y[i] - ideal[i]) ** 2;
    expect(Math.sqrt(err / 14000)).toBeLessThan(100); // < 1.5% of the amplitude
  });

  it('16 kHz → 8 kHz removes a 6 kHz tone above the new Nyquist (no aliasing)', () => {
    const y = resample(sine(16000, 16000, 6000), 16000, 8000);
    expect(y.length).toBe(8000);
    expect(rms(y, 500, 7500)).toBeLessThan(10000 * 0.01);
  });

  it('same rate is a copy, bad rates are refused', () => {
    const x = sine(100, 8000, 440);
    expect(Array.from(resample(x, 8000, 8000))).toEqual(Array.from(x));
    expect(() => resample(x, 0, 8000)).toThrow(/positive integers/);
  });
});

describe('detectSpeech', () => {
  it('finds two bursts separated by silence, with padding, and nothing in pure noise', () => {
    const rate = 16000;
    const x = new Int16Array(rate * 5);
    let seed = 1;
    for (let i = 0; i < x.length; i++) x[i] = (((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % 21) - 10;
    x.set(sine(rate, rate, 300, 6000), rate * 1); // 1.0–2.0 s
    x.set(sine(rate / 2, rate, 300, 6000), rate * 3.5); // 3.5–4.0 s
    const segs = detectSpeech(x, rate);
    expect(segs).toHaveLength(2);
    expect(segs[0].startSample / rate).toBeCloseTo(0.85, 1);
    expect(segs[0].endSample / rate).toBeCloseTo(2.15, 1);
    expect(segs[1].startSample / rate).toBeCloseTo(3.35, 1);
    const noise = x.slice(0, rate);
    expect(detectSpeech(noise, rate)).toEqual([]);
  });

  it('splits a segment longer than the maximum', () => {
    const rate = 8000;
    // 10 s of quiet, then 40 s of syllable-like modulated tone with no pause long enough to end a segment
    const x = new Int16Array(rate * 50);
    const t = sine(rate * 40, rate, 200, 5000);
    for (let i = 0; i < t.length; i++)
      x[rate * 10 + i] = Math.round(t[i] * (0.55 + 0.45 * Math.sin((2 * Math.PI * 3 * i) / rate)));
    const segs = detectSpeech(x, rate, { maxSegmentMs: 15000 });
    expect(segs.length).toBeGreaterThanOrEqual(3);
    expect(segs[0].startSample / rate).toBeCloseTo(9.85, 1);
    expect(segs[segs.length - 1].endSample / rate).toBeCloseTo(50, 0);
    for (const s of segs) expect((s.endSample - s.startSample) / rate).toBeLessThanOrEqual(15.4);
  });
});

describe('WER', () => {
  it('counts substitutions, deletions and insertions', () => {
    expect(wordErrors('the cat sat on the mat', 'the cat sat on the mat').wer).toBe(0);
    const r = wordErrors('the cat sat on the mat', 'the bat sat on mat today');
    expect(r).toMatchObject({ errors: 3, refWords: 6 });
    expect(r.wer).toBeCloseTo(0.5);
    expect(wordErrors('a b c d', 'a c d')).toMatchObject({ deletions: 1, substitutions: 0, insertions: 0 });
    expect(wordErrors('a b', 'a x b')).toMatchObject({ insertions: 1, substitutions: 0, deletions: 0 });
    expect(wordErrors('a b', 'a c')).toMatchObject({ substitutions: 1, errors: 1 });
    expect(wordErrors('', 'x').wer).toBe(1);
    expect(wordErrors('a b', '').deletions).toBe(2);
  });

  it('normalises case, punctuation and sentence markers', () => {
    expect(normalizeWords('<s> And so, my fellow Americans: ask NOT! </s>')).toEqual([
      'and',
      'so',
      'my',
      'fellow',
      'americans',
      'ask',
      'not',
    ]);
    expect(normalizeWords("it's the customer's card")).toEqual(["it's", 'the', "customer's", 'card']);
  });
});
