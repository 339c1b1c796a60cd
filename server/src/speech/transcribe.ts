import type { Speaker } from '../entities/recording';
import { decodeWav, inspectWav } from './audio/wav';
import { resample } from './audio/resample';
import { RecognizedWord } from './engine';
import { detectSpeech } from './vad';

export interface TranscribedUtterance {
  speaker: Speaker;
  channel: number;
  startMs: number;
  endMs: number;
  text: string;
  words: RecognizedWord[];
  confidence: number | null;
}

export interface Decoder {
  sampleRate: number;
  decode(pcm: Int16Array): Promise<RecognizedWord[]>;
}

/**
 * Recording → utterances: decode the WAV, bring each channel to the engine's rate, cut it into speech segments
 * and decode those (in parallel across the decoder's threads). Channel i is spoken by channelMap[i].
 */
export async function transcribeWav(wav: Buffer, channelMap: Speaker[], decoder: Decoder): Promise<TranscribedUtterance[]> {
  const info = inspectWav(wav);
  let channels = decodeWav(wav, info);
  let map = channelMap;
  if (channels.length === 2 && sameSignal(channels[0], channels[1])) {
    // a mono call written as two identical channels: decode once, and nobody can say which party spoke
    channels = [channels[0]];
    map = [channelMap[0] === channelMap[1] ? channelMap[0] : 'unknown'];
  }
  const rate = decoder.sampleRate;
  const jobs: Array<Promise<TranscribedUtterance | null>> = [];
  channels.forEach((raw, ch) => {
    const pcm = resample(raw, info.sampleRate, rate);
    for (const seg of detectSpeech(pcm, rate)) {
      const offsetMs = Math.round((seg.startSample * 1000) / rate);
      jobs.push(
        decoder.decode(pcm.slice(seg.startSample, seg.endSample)).then((words) => {
          if (words.length === 0) return null;
          const abs = words.map((w) => ({ ...w, startMs: w.startMs + offsetMs, endMs: w.endMs + offsetMs }));
          return {
            speaker: map[ch] ?? 'unknown',
            channel: ch,
            startMs: abs[0].startMs,
            endMs: abs[abs.length - 1].endMs,
            text: abs.map((w) => w.word).join(' '),
            words: abs,
            confidence: Math.round((abs.reduce((a, w) => a + w.confidence, 0) / abs.length) * 1000) / 1000,
          };
        }),
      );
    }
  });
  const out = (await Promise.all(jobs)).filter((u): u is TranscribedUtterance => u !== null);
  return out.sort((a, b) => a.startMs - b.startMs || a.channel - b.channel);
}

/** True when two channels carry the same signal (difference energy under 1% of the signal's). */
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
