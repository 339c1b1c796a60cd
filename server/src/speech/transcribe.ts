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
}

export interface PreparedAudio {
  /** true when a two-channel file carried the same signal twice (decoded once) */
  mergedChannels: boolean;
  segments: SpeechSegment[];
}

export interface Decoder {
  sampleRate: number;
  decode(pcm: Int16Array): Promise<SegmentResult>;
  /** audio preparation off the caller's event loop (the speech pool runs it in a worker thread) */
  prepare?(wav: Buffer): Promise<PreparedAudio>;
}

/** WAV → speech segments at the engine's rate: decode G.711/PCM, resample each channel, cut at pauses. */
export function prepareAudio(wav: Buffer, rate: number): PreparedAudio {
  const info = inspectWav(wav);
  let channels = decodeWav(wav, info);
  let mergedChannels = false;
  if (channels.length === 2 && sameSignal(channels[0], channels[1])) {
    channels = [channels[0]];
    mergedChannels = true;
  }
  const segments: SpeechSegment[] = [];
  channels.forEach((raw, ch) => {
    const pcm = resample(raw, info.sampleRate, rate);
    for (const seg of detectSpeech(pcm, rate)) {
      segments.push({
        channel: ch,
        offsetMs: Math.round((seg.startSample * 1000) / rate),
        pcm: pcm.slice(seg.startSample, seg.endSample),
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
  const prepared = decoder.prepare ? await decoder.prepare(wav) : prepareAudio(wav, decoder.sampleRate);
  // a mono call written as two identical channels: nobody can say which party spoke
  const map = prepared.mergedChannels ? [channelMap[0] === channelMap[1] ? channelMap[0] : 'unknown'] : channelMap;
  const out = await Promise.all(
    prepared.segments.map(async (seg): Promise<TranscribedUtterance | null> => {
      const { words, keyphrases } = await decoder.decode(seg.pcm);
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
