/**
 * Energy-based speech segmentation of one channel. Each segment becomes one utterance of that channel's speaker,
 * so two-channel recordings get speaker turns without diarization.
 */
export interface Segment {
  startSample: number;
  endSample: number;
}

export interface VadOptions {
  frameMs?: number;
  /** dB above the channel's noise floor for a frame to count as speech */
  marginDb?: number;
  /** absolute floor (dBFS) under which nothing is speech */
  minDbfs?: number;
  /** gaps shorter than this join two segments */
  joinGapMs?: number;
  minSpeechMs?: number;
  padMs?: number;
  /** segments longer than this are split at their quietest frame */
  maxSegmentMs?: number;
}

const DEFAULTS: Required<VadOptions> = {
  frameMs: 20,
  marginDb: 12,
  minDbfs: -50,
  joinGapMs: 500,
  minSpeechMs: 250,
  padMs: 150,
  maxSegmentMs: 15_000,
};

export function frameEnergiesDb(pcm: Int16Array, frameLen: number): Float64Array {
  const n = Math.floor(pcm.length / frameLen);
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let sum = 0;
    for (let i = f * frameLen; i < (f + 1) * frameLen; i++) sum += pcm[i] * pcm[i];
    const rms = Math.sqrt(sum / frameLen) / 32768;
    out[f] = 20 * Math.log10(rms + 1e-9);
  }
  return out;
}

export function detectSpeech(pcm: Int16Array, sampleRate: number, opts: VadOptions = {}): Segment[] {
  const o = { ...DEFAULTS, ...opts };
  const frameLen = Math.round((sampleRate * o.frameMs) / 1000);
  const db = frameEnergiesDb(pcm, frameLen);
  if (db.length === 0) return [];
  const sorted = Float64Array.from(db).sort();
  const floor = sorted[Math.floor(sorted.length * 0.1)];
  const threshold = Math.max(o.minDbfs, floor + o.marginDb);
  const frames: Array<[number, number]> = [];
  let start = -1;
  for (let f = 0; f <= db.length; f++) {
    const speech = f < db.length && db[f] > threshold;
    if (speech && start < 0) start = f;
    if (!speech && start >= 0) {
      frames.push([start, f]);
      start = -1;
    }
  }
  const joinGap = Math.round(o.joinGapMs / o.frameMs);
  const joined: Array<[number, number]> = [];
  for (const s of frames) {
    const prev = joined[joined.length - 1];
    if (prev && s[0] - prev[1] <= joinGap) prev[1] = s[1];
    else joined.push([s[0], s[1]]);
  }
  const minFrames = Math.round(o.minSpeechMs / o.frameMs);
  const maxFrames = Math.round(o.maxSegmentMs / o.frameMs);
  const split: Array<[number, number]> = [];
  const pushSplit = (a: number, b: number) => {
    if (b - a <= maxFrames) {
      split.push([a, b]);
      return;
    }
    // split at the quietest frame in the middle half
    let best = a + Math.floor((b - a) / 2);
    for (let f = a + Math.floor((b - a) / 4); f < b - Math.floor((b - a) / 4); f++) if (db[f] < db[best]) best = f;
    pushSplit(a, best);
    pushSplit(best, b);
  };
  for (const [a, b] of joined) if (b - a >= minFrames) pushSplit(a, b);
  const pad = Math.round((sampleRate * o.padMs) / 1000);
  return split.map(([a, b]) => ({
    startSample: Math.max(0, a * frameLen - pad),
    endSample: Math.min(pcm.length, b * frameLen + pad),
  }));
}
