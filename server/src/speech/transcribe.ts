import type { Speaker } from '../entities/recording';
import { decodeWav, inspectWav } from './audio/wav';
import { resample } from './audio/resample';
import { KeyphraseHit, RecognizedWord, SegmentResult } from './engine';
import { detectSpeech } from './vad';

export interface TranscribedUtterance {
  speaker: Speaker;
  channel: number;
  startMs: number;
  endMs: number;
  text: string;
  words: RecognizedWord[];
  keyphrases: KeyphraseHit[];
  confidence: number | null;
}

export interface SpeechSegment {
  channel: number;
  offsetMs: number;
  pcm: Int16Array;
  /** the rate of `pcm` (the engine's, or the recording's own where the engine takes it natively) */
  sampleRate: number;
}

/** How a channel is cut into speech segments (default: the energy VAD), at the rate of the samples given. */
export type Segmenter = (pcm: Int16Array, rate: number) => Array<{ startSample: number; endSample: number }>;

export interface PreparedAudio {
  /** true when a two-channel file carried the same signal twice (decoded once) */
  mergedChannels: boolean;
  segments: SpeechSegment[];
}

export interface Decoder {
  sampleRate: number;
  nativeRates?: number[];
  decode(pcm: Int16Array, rate: number): Promise<SegmentResult>;
  /** audio preparation off the caller's event loop (the speech pool runs it in a worker thread) */
  prepare?(wav: Buffer): Promise<PreparedAudio>;
}

/**
 * WAV → speech segments: decode G.711/PCM, cut each channel at pauses, and give each segment at the engine's rate, or
 * at the recording's own rate when the engine takes that natively (8 kHz telephone audio fed without a round trip).
 */
export function prepareAudio(
  wav: Buffer,
  engineRate: number,
  opts: { nativeRates?: number[]; segmenter?: { rate: number; cut: Segmenter } } = {},
): PreparedAudio {
  const info = inspectWav(wav);
  const rate = opts.nativeRates?.includes(info.sampleRate) ? info.sampleRate : engineRate;
  let channels = decodeWav(wav, info);
  let mergedChannels = false;
  if (channels.length === 2 && sameSignal(channels[0], channels[1])) {
    channels = [channels[0]];
    mergedChannels = true;
  }
  const segments: SpeechSegment[] = [];
  channels.forEach((raw, ch) => {
    const pcm = resample(raw, info.sampleRate, rate);
    // the segmenter may work at a rate of its own (Silero: 16 kHz); its cuts are mapped back onto `pcm`
    const seg = opts.segmenter;
    const cuts = seg
      ? seg.cut(seg.rate === rate ? pcm : resample(raw, info.sampleRate, seg.rate), seg.rate).map((c) => ({
          startSample: Math.floor((c.startSample * rate) / seg.rate),
          endSample: Math.min(pcm.length, Math.ceil((c.endSample * rate) / seg.rate)),
        }))
      : detectSpeech(pcm, rate);
    for (const c of cuts) {
      segments.push({
        channel: ch,
        offsetMs: Math.round((c.startSample * 1000) / rate),
        pcm: pcm.slice(c.startSample, c.endSample),
        sampleRate: rate,
      });
    }
  });
  return { mergedChannels, segments };
}

/**
 * Recording → utterances. Each speech segment becomes one utterance of its channel's speaker (channel i is spoken
 * by channelMap[i]); segments are decoded in parallel across the decoder's threads.
 */
export async function transcribeWav(
  wav: Buffer,
  channelMap: Speaker[],
  decoder: Decoder,
): Promise<TranscribedUtterance[]> {
  const prepared = decoder.prepare
    ? await decoder.prepare(wav)
    : prepareAudio(wav, decoder.sampleRate, { nativeRates: decoder.nativeRates });
  // a mono call written as two identical channels: nobody can say which party spoke
  const map = prepared.mergedChannels ? [channelMap[0] === channelMap[1] ? channelMap[0] : 'unknown'] : channelMap;
  const out = await Promise.all(
    prepared.segments.map(async (seg): Promise<TranscribedUtterance | null> => {
      const { words, keyphrases } = await decoder.decode(seg.pcm, seg.sampleRate);
      if (words.length === 0 && keyphrases.length === 0) return null;
      const shift = <T extends { startMs: number; endMs: number }>(x: T): T => ({
        ...x,
        startMs: x.startMs + seg.offsetMs,
        endMs: x.endMs + seg.offsetMs,
      });
      const abs = words.map(shift);
      const hits = keyphrases.map(shift);
      const span = [...abs, ...hits];
      return {
        speaker: map[seg.channel] ?? 'unknown',
        channel: seg.channel,
        startMs: Math.min(...span.map((x) => x.startMs)),
        endMs: Math.max(...span.map((x) => x.endMs)),
        text: abs.map((w) => w.word).join(' '),
        words: abs,
        keyphrases: hits,
        confidence: abs.length
          ? Math.round((abs.reduce((a, w) => a + w.confidence, 0) / abs.length) * 1000) / 1000
          : null,
      };
    }),
  );
  return out
    .filter((u): u is TranscribedUtterance => u !== null)
    .sort((a, b) => a.startMs - b.startMs || a.channel - b.channel);
}

/** True when two channels carry the same signal (difference energy under 0.5% of the signal's). */
export function sameSignal(a: Int16Array, b: Int16Array): boolean {
  let diff = 0;
  let energy = 0;
  for (let i = 0; i < a.length; i += 7) {
    const d = a[i] - b[i];
    diff += d * d;
    energy += a[i] * a[i] + b[i] * b[i];
  }
  return energy > 0 && diff < energy * 0.005;
}
