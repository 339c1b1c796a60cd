import { linearToAlaw, linearToUlaw } from '../speech/audio/g711';
import { decodeWav, encodeWav, inspectWav } from '../speech/audio/wav';
import type { PiiMark } from '../entities/utterance';
import type { PiiType } from './pii/detect';

/**
 * Audio redaction: the time spans in which personal data was spoken, from the word timings, are overwritten in every
 * channel before the audio is stored. Sensitive authentication data (CVV, PIN) must never survive in audio
 * (PCI DSS 3.3.1); card numbers and the rest are removed too.
 */
export interface RedactionSpan {
  type: PiiType;
  startMs: number;
  endMs: number;
}

/** Padding around a spoken PII span: word boundaries from the recognizer are approximate. */
export const REDACTION_PAD_MS = 250;

/**
 * Spans closer than this are silenced as one: a recogniser that turns a digit into a word ("six oh nine" → "six on
 * line") splits one card number into marked pieces, and the word between them is a digit too.
 */
export const REDACTION_BRIDGE_MS = 800;

/** The time spans to overwrite, from where the transcript's protection found personal data (marks with times). */
export function spansFromMarks(
  marks: PiiMark[],
  padMs = REDACTION_PAD_MS,
  bridgeMs = REDACTION_BRIDGE_MS,
): RedactionSpan[] {
  const spans = marks
    .filter((m) => m.s !== undefined && m.e !== undefined)
    .map((m) => ({ type: m.type as PiiType, startMs: Math.max(0, m.s! - padMs), endMs: m.e! + padMs }))
    .sort((a, b) => a.startMs - b.startMs);
  const out: RedactionSpan[] = [];
  for (const sp of spans) {
    const prev = out[out.length - 1];
    if (prev && sp.startMs - prev.endMs <= bridgeMs) prev.endMs = Math.max(prev.endMs, sp.endMs);
    else out.push({ ...sp });
  }
  return out;
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
