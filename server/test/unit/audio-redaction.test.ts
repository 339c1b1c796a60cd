import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PocketsphinxEngine } from '../../src/speech/engines/pocketsphinx';
import { decodeWav, encodeWav, inspectWav } from '../../src/speech/audio/wav';
import { prepareAudio } from '../../src/speech/transcribe';
import { REDACTION_PAD_MS, redactWav, spansFromMarks } from '../../src/protection/redact-audio';
import { detectPii } from '../../src/protection/pii/detect';
import { loadMaskingPolicy } from '../../src/protection/pii/mask';
import { protectTranscript } from '../../src/protection/protect-transcript';
import { synthCalls } from '../helpers/synth';

const MODEL = '/usr/share/pocketsphinx/model/en-us';
const policy = loadMaskingPolicy(path.resolve(__dirname, '..', '..', '..', 'policies', 'masking.yaml'));

/** What the pipeline does: protect the transcript (PII marks with times), then silence the marked spans. */
const spansOf = (utterances: Array<{ speaker?: string; words: Array<{ w: string; s: number; e: number }> }>) =>
  spansFromMarks(
    protectTranscript(
      utterances.map((u) => ({
        speaker: u.speaker ?? 'customer',
        startMs: u.words[0]?.s ?? 0,
        endMs: u.words[u.words.length - 1]?.e ?? 0,
        text: u.words.map((w) => w.w).join(' '),
        words: u.words.map((w) => ({ ...w, c: 1 })),
        keyphrases: [],
        confidence: null,
      })),
      policy,
    ).utterances.flatMap((u) => u.pii),
  );

/** Transcribes in process with word timings on the conversation clock (what the pipeline stores). */
function transcribe(engine: PocketsphinxEngine, wav: Buffer) {
  return prepareAudio(wav, 16000).segments.map((seg) => ({
    speaker: seg.channel === 0 ? 'agent' : 'customer',
    words: engine.decode(seg.pcm).map((w) => ({ w: w.word, s: w.startMs + seg.offsetMs, e: w.endMs + seg.offsetMs })),
  }));
}

describe('audio redaction', () => {
  it('maps text findings to the time of the words that carry them', () => {
    const words = ['the', 'code', 'is', 'seven', 'three', 'nine', 'thanks'].map((w, i) => ({
      w,
      s: i * 500,
      e: i * 500 + 400,
    }));
    const findings = detectPii(words.map((w) => w.w).join(' '));
    expect(findings.map((f) => f.type)).toEqual([]); // "the code is" alone is not CVV context…
    const cvvWords = ['the', 'security', 'code', 'is', 'seven', 'three', 'nine'].map((w, i) => ({
      w,
      s: i * 500,
      e: i * 500 + 400,
    }));
    const spans = spansOf([{ words: cvvWords }]);
    expect(spans).toEqual([{ type: 'cvv', startMs: 2000 - REDACTION_PAD_MS, endMs: 3400 + REDACTION_PAD_MS }]);
  });

  it('keeps codec, rate, channels and length, and silences only the spans', () => {
    const x = Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
    const out = redactWav(encodeWav([x, x], 8000), [{ type: 'cvv', startMs: 250, endMs: 500 }]);
    expect(inspectWav(out)).toMatchObject({ codec: 'pcm16', channels: 2, frames: 8000 });
    const [l] = decodeWav(out);
    expect(l.subarray(2000, 4000).every((v) => v === 0)).toBe(true);
    expect(Array.from(l.subarray(0, 1990))).toEqual(Array.from(x.subarray(0, 1990)));
  });

  it('the recorded card call, decoded again after redaction, yields no card number and no CVV', () => {
    const { call } = synthCalls().get('bank-card-cvv')!;
    const engine = new PocketsphinxEngine({ modelDir: MODEL });
    try {
      for (const file of [call.wav16k, call.wav8kUlaw]) {
        const wav = fs.readFileSync(file);
        const before = transcribe(engine, wav);
        const spans = spansOf(before);
        expect(spans.map((s) => s.type).sort(), path.basename(file)).toEqual(
          expect.arrayContaining(['card_number', 'cvv']),
        );
        const redacted = redactWav(wav, spans);
        expect(inspectWav(redacted)).toMatchObject({ codec: inspectWav(wav).codec, frames: inspectWav(wav).frames });
        const after = transcribe(engine, redacted);
        const text = after.map((u) => u.words.map((w) => w.w).join(' ')).join(' | ');
        expect(
          detectPii(text).filter((f) => f.type === 'card_number' || f.type === 'cvv'),
          text,
        ).toEqual([]);
        expect(text).not.toMatch(/seven three nine/);
        // the rest of the call is still there
        expect(text).toMatch(/payment/);
      }
    } finally {
      engine.close();
    }
  }, 180_000); // four in-process decodes of a 40 s call: about a minute on a busy 2-core machine
});

describe('redaction spans', () => {
  it('pieces of one number split by a misheard word are silenced as one span; distant marks stay apart', () => {
    const marks = [
      { type: 'card_number', start: 0, end: 10, s: 1000, e: 2000 },
      { type: 'card_number', start: 20, end: 30, s: 2600, e: 3500 },
      { type: 'cvv', start: 0, end: 3, s: 9000, e: 9500 },
    ];
    expect(spansFromMarks(marks, 100, 800)).toEqual([
      { type: 'card_number', startMs: 900, endMs: 3600 },
      { type: 'cvv', startMs: 8900, endMs: 9600 },
    ]);
  });
});
