import { linearToAlaw, linearToUlaw } from '../speech/audio/g711';
import { decodeWav, encodeWav, inspectWav } from '../speech/audio/wav';
import { detectPii, PiiFinding, PiiType } from './pii/detect';

/**
 * Audio redaction: the time spans in which personal data was spoken, from the word timings, are overwritten in every
 * channel before the audio is stored. Sensitive authentication data (CVV, PIN) must never survive in audio
 * (PCI DSS 3.3.1); card numbers and the rest are removed too.
 */
export interface TimedWord {
  w: string;
  s: number;
  e: number;
}

export interface RedactionSpan {
  type: PiiType;
  startMs: number;
  endMs: number;
}

/** Maps text findings (character spans of `words.join(' ')`) to time spans of the words they cover. */
export function spansFromWords(words: TimedWord[], findings: PiiFinding[], padMs = 120): RedactionSpan[] {
  const starts: number[] = [];
  let pos = 0;
  for (const w of words) {
    starts.push(pos);
    pos += w.w.length + 1;
  }
  const out: RedactionSpan[] = [];
  for (const f of findings) {
    const idx = words.map((_, i) => i).filter((i) => starts[i] < f.end && starts[i] + words[i].w.length > f.start);
    if (!idx.length) continue;
    out.push({ type: f.type, startMs: Math.max(0, words[idx[0]].s - padMs), endMs: words[idx[idx.length - 1]].e + padMs });
  }
  return out;
}

/** Finds and times every PII span of a transcript (utterances with word timings). */
export function piiSpans(utterances: Array<{ words: TimedWord[] }>): RedactionSpan[] {
  return utterances.flatMap((u) => {
    const text = u.words.map((w) => w.w).join(' ');
    return spansFromWords(u.words, detectPii(text));
  });
}

/** Overwrites the spans with silence in every channel, keeping the recording's codec, rate and length. */
export function redactWav(wav: Buffer, spans: RedactionSpan[]): Buffer {
  const info = inspectWav(wav);
  const channels = decodeWav(wav, info);
  for (const sp of spans) {
    const a = Math.max(0, Math.floor((sp.startMs * info.sampleRate) / 1000));
    const b = Math.min(info.frames, Math.ceil((sp.endMs * info.sampleRate) / 1000));
    for (const ch of channels) ch.fill(0, a, b);
  }
  if (info.codec === 'pcm16') return encodeWav(channels, info.sampleRate);
  return encodeWav(channels, info.sampleRate, info.codec, info.codec === 'mulaw' ? linearToUlaw : linearToAlaw);
}

