import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { realClips, telephoneVersion } from '../../src/demo/real-audio';
import { scoringForm, wordErrors } from '../../src/lib/wer';
import { RecognizedWord } from '../../src/speech/engine';
import { SherpaEngine, chunkSeconds } from '../../src/speech/engines/sherpa';
import { prepareAudio } from '../../src/speech/transcribe';
import { voteWords } from '../../src/speech/word-vote';

const w = (word: string, startMs: number, confidence = 0.9): RecognizedWord => ({
  word,
  startMs,
  endMs: startMs + 200,
  confidence,
});
const words = (text: string, from = 0) => text.split(' ').map((x, i) => w(x, from + i * 300));

describe('word-level voting (ROVER)', () => {
  it('keeps what most transcripts heard: a substitution, a dropped word and an inserted word are each outvoted', () => {
    const out = voteWords([
      words('he was not an ill disposed man'),
      words('he was not an old disposed man'),
      words('was not an ill disposed young man'),
      words('he was not an ill disposed man'),
      words('he was not a an ill disposed man'),
    ]);
    expect(out.map((x) => x.word).join(' ')).toBe('he was not an ill disposed man');
  });

  it('a word most transcripts did not hear is dropped; a tie goes to the earliest transcript', () => {
    expect(voteWords([words('one two'), words('one two three'), words('one two')]).map((x) => x.word)).toEqual([
      'one',
      'two',
    ]);
    expect(voteWords([words('card number'), words('car number')]).map((x) => x.word)).toEqual(['card', 'number']);
    expect(voteWords([words('car number'), words('card number')]).map((x) => x.word)).toEqual(['car', 'number']);
  });

  it('times come from the first transcript that voted for the word, stay in order; confidence is agreement × certainty', () => {
    const out = voteWords([
      [w('security', 1000, 0.6), w('code', 1500, 0.8)],
      [w('secure', 1040, 0.9), w('code', 1520, 0.8)],
      [w('security', 1080, 0.9), w('code', 1540, 0.5)],
    ]);
    expect(out.map((x) => [x.word, x.startMs])).toEqual([
      ['security', 1000],
      ['code', 1500],
    ]);
    expect(out[0].confidence).toBeCloseTo((0.6 + 0.9) / 3, 3);
    expect(out[1].confidence).toBeCloseTo((0.8 + 0.8 + 0.5) / 3, 3);
    expect(voteWords([])).toEqual([]);
    const one = words('just one');
    expect(voteWords([one])).toBe(one);
  });
});

describe('scoring forms', () => {
  it('titles and British spellings score as the word they spell; anything else is compared as written', () => {
    expect(scoringForm('mr')).toBe('mister');
    expect(scoringForm('counselled')).toBe(scoringForm('counseled'));
    expect(scoringForm('cancelled')).toBe('canceled');
    expect(scoringForm('colours')).toBe('colors');
    expect(scoringForm('cheque')).toBe('cheque');
    expect(wordErrors('and mister john dashwood', 'and mr john dashwood').errors).toBe(0);
    expect(wordErrors('his belly counselled him', 'his belly counciled him').errors).toBe(1);
  });
});

const DATA = process.env.HOTLINE_DATA_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
const MODEL = path.join(DATA, 'models', 'sherpa-asr-en-gigaspeech-3.3M');

describe('decoding in several phases of the encoder chunk (needs ../shared/models)', () => {
  it('spreads the phases over one 320 ms chunk, names them in the model id, and keeps word times on the audio clock', () => {
    if (!fs.existsSync(MODEL))
      throw new Error(`needs the model ${MODEL} (../shared beside the checkout, or HOTLINE_DATA_DIR)`);
    expect(chunkSeconds('/m/encoder-epoch-12-avg-2-chunk-16-left-64.int8.onnx')).toBeCloseTo(0.32, 6);
    expect(chunkSeconds('/m/encoder.onnx')).toBeCloseTo(0.32, 6);
    const once = new SherpaEngine({ modelDir: MODEL });
    const five = new SherpaEngine({ modelDir: MODEL, phases: 5 });
    expect(once.phaseLeads).toEqual([0]);
    expect(five.phaseLeads.map((x) => Math.round(x * 1000))).toEqual([0, 64, 128, 192, 256]);
    expect(once.modelId).toMatch(/\/greedy$/);
    expect(five.modelId).toMatch(/\/greedy\/x5$/);

    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'phases-'));
    const clip = realClips(DATA, work).clips.find((c) => c.id === 'jfk')!;
    const tel = prepareAudio(fs.readFileSync(telephoneVersion(clip, work)), 16000, { nativeRates: [8000, 16000] });
    const a = tel.segments.flatMap((s) => once.decode(s.pcm, s.sampleRate).map((x) => ({ ...x, seg: s })));
    const b = tel.segments.flatMap((s) => five.decode(s.pcm, s.sampleRate).map((x) => ({ ...x, seg: s })));
    // same words at nearly the same times: the lead silence is taken off each phase's clock
    for (const x of b) {
      const same = a.find((y) => y.word === x.word && y.seg === x.seg);
      if (same) expect(Math.abs(same.startMs - x.startMs)).toBeLessThan(160);
      expect(x.startMs).toBeGreaterThanOrEqual(0);
      expect(x.endMs).toBeLessThanOrEqual(Math.ceil((x.seg.pcm.length / x.seg.sampleRate) * 1000));
    }
    expect(wordErrors(clip.reference, b.map((x) => x.word).join(' ')).wer).toBeLessThan(0.25);
  });
});
