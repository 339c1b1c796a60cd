import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { realClips, telephoneVersion } from '../../src/demo/real-audio';
import { wordErrors } from '../../src/lib/wer';
import { decodeWav, inspectWav } from '../../src/speech/audio/wav';
import { resample } from '../../src/speech/audio/resample';
import { EngineSpec, SpeechModelError } from '../../src/speech/engine';
import { chooseEngine } from '../../src/speech/engines';
import { digitWords } from '../../src/speech/engines/combined';
import { readKeyphrases } from '../../src/speech/engines/pocketsphinx';
import {
  SherpaEngine,
  SileroSegmenter,
  sentencepieceVocab,
  tokensToWords,
  EMISSION_DELAY_S,
  verifySha256Sums,
} from '../../src/speech/engines/sherpa';
import { prepareAudio, transcribeWav } from '../../src/speech/transcribe';
import { synthCalls } from '../helpers/synth';

// The pool starts dist/speech/asr-thread.js next to its own file: use the compiled module so thread and caller agree.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SpeechPool } = require(
  path.resolve(__dirname, '..', '..', 'dist', 'speech', 'pool.js'),
) as typeof import('../../src/speech/pool');

/**
 * The neural engine on the real models from ../shared (HOTLINE_DATA_DIR): these tests say so and fail when the
 * models are absent, because the appliance's default English engine stands on them.
 */
const DATA = process.env.HOTLINE_DATA_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
const MODEL = path.join(DATA, 'models', 'sherpa-asr-en-gigaspeech-3.3M');
const VAD = path.join(DATA, 'models', 'silero-vad');
function need(dir: string) {
  if (!fs.existsSync(dir))
    throw new Error(`needs the model ${dir} (../shared beside the checkout, or HOTLINE_DATA_DIR)`);
}

describe('tokens to words', () => {
  it('joins BPE pieces into words, starts at the first piece (less the emission delay), ends before the next word, confidence from log-probs', () => {
    expect(EMISSION_DELAY_S).toBe(0.2);
    const words = tokensToWords(
      { tokens: [' HE', 'LL', 'O', ' WORLD'], timestamps: [0.6, 0.68, 0.72, 1.2], ys_probs: [-0.1, -0.2, -0.3, -0.05] },
      1.6,
    );
    expect(words.map((w) => w.word)).toEqual(['hello', 'world']);
    expect(words[0]).toMatchObject({ startMs: 400, endMs: 960 });
    expect(words[0].confidence).toBeCloseTo(Math.exp(-0.2), 3);
    expect(words[1].startMs).toBe(1000);
    expect(words[1].endMs).toBeLessThanOrEqual(1600);
    // a token stamped within the delay of the start begins at 0, not before
    expect(tokensToWords({ tokens: [' OK'], timestamps: [0.1], ys_probs: [-0.1] }, 1)[0].startMs).toBe(0);
  });
});

describe('model integrity (SHA256SUMS)', () => {
  it('accepts the shipped model and refuses a copy with one changed byte, naming the file', () => {
    need(MODEL);
    expect(verifySha256Sums(MODEL).files).toContain('tokens.txt');
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sherpa-copy-'));
    for (const f of fs.readdirSync(MODEL)) {
      const src = path.join(MODEL, f);
      if (fs.statSync(src).isFile()) fs.copyFileSync(src, path.join(copy, f));
    }
    const tokens = path.join(copy, 'tokens.txt');
    const b = fs.readFileSync(tokens);
    b[0] ^= 1;
    fs.writeFileSync(tokens, b);
    expect(() => new SherpaEngine({ modelDir: copy })).toThrow(SpeechModelError);
    expect(() => verifySha256Sums(copy)).toThrow(/tokens\.txt does not match SHA256SUMS/);
    fs.rmSync(path.join(copy, 'SHA256SUMS'));
    expect(() => verifySha256Sums(copy)).toThrow(/no SHA256SUMS/);
  });

  it('is chosen by HOTLINE_ASR_ENGINE=sherpa with its model and VAD directories', () => {
    expect(
      chooseEngine({
        engine: 'sherpa',
        pocketsphinxModel: '/usr/share/pocketsphinx/model/en-us',
        sherpa: { modelDir: MODEL, decoding: 'greedy_search', vadDir: VAD },
      }),
    ).toEqual({ engine: 'sherpa', modelDir: MODEL, decoding: 'greedy_search', vadDir: VAD });
  });
});

describe('recognition on real speech', () => {
  it('a real clip at 16 kHz, and through the 8 kHz telephone band fed at 8 kHz: words in order with times', () => {
    need(MODEL);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sherpa-real-'));
    const { clips } = realClips(DATA, work);
    const clip = clips.find((c) => c.id.endsWith('0870'))!;
    const engine = new SherpaEngine({ modelDir: MODEL });
    expect(engine.modelId).toMatch(/^sherpa:sherpa-asr-en-gigaspeech-3\.3M#[0-9a-f]{12}\/greedy$/);
    const wide = prepareAudio(fs.readFileSync(clip.wav), engine.sampleRate, { nativeRates: engine.nativeRates });
    const hyp16 = wide.segments.flatMap((s) => engine.decode(s.pcm, s.sampleRate));
    expect(wordErrors(clip.reference, hyp16.map((w) => w.word).join(' ')).wer).toBeLessThan(0.2);

    const tel = fs.readFileSync(telephoneVersion(clip, work));
    expect(inspectWav(tel).sampleRate).toBe(8000);
    const narrow = prepareAudio(tel, engine.sampleRate, { nativeRates: engine.nativeRates });
    expect(narrow.segments.every((s) => s.sampleRate === 8000)).toBe(true);
    const words = narrow.segments.flatMap((s) => engine.decode(s.pcm, s.sampleRate).map((w) => ({ ...w, s })));
    expect(wordErrors(clip.reference, words.map((w) => w.word).join(' ')).wer).toBeLessThan(0.25);
    for (const w of words) {
      expect(w.endMs).toBeGreaterThan(w.startMs);
      expect(w.endMs).toBeLessThanOrEqual(Math.ceil((w.s.pcm.length / 8000) * 1000));
      expect(w.confidence).toBeGreaterThan(0);
      expect(w.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('Silero VAD finds the speech inside silence, padded at the start', () => {
    need(VAD);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sherpa-vad-'));
    const clip = realClips(DATA, work).clips.find((c) => c.id === 'jfk')!;
    const wav = fs.readFileSync(clip.wav);
    const info = inspectWav(wav);
    const speech = resample(decodeWav(wav, info)[0], info.sampleRate, 16000);
    const silence = new Int16Array(2 * 16000);
    const padded = new Int16Array(silence.length * 2 + speech.length);
    padded.set(speech, silence.length);
    const segs = new SileroSegmenter(VAD).segments(padded);
    expect(segs.length).toBeGreaterThan(0);
    expect(segs[0].startSample).toBeGreaterThanOrEqual(silence.length - 0.5 * 16000);
    expect(segs[segs.length - 1].endSample).toBeLessThanOrEqual(silence.length + speech.length + 0.5 * 16000);
    const covered = segs.reduce((a, s) => a + s.endSample - s.startSample, 0);
    expect(covered).toBeGreaterThan(speech.length * 0.5);
  });
});

describe('through the speech pool (a worker thread per model), Silero VAD cutting the segments', () => {
  it('a synthetic stereo 8 kHz µ-law call: each channel is its speaker, words follow the script', async () => {
    need(MODEL);
    need(VAD);
    const { call } = synthCalls().get('bank-compliant')!;
    const pool = await SpeechPool.start({ engine: 'sherpa', modelDir: MODEL, vadDir: VAD }, 1);
    try {
      expect(pool.modelId).toMatch(/^sherpa:.*\+silero#[0-9a-f]{8}$/);
      expect(pool.nativeRates).toEqual([8000, 16000]);
      const us = await transcribeWav(fs.readFileSync(call.wav8kUlaw), ['agent', 'customer'], pool);
      expect(new Set(us.map((u) => u.speaker))).toEqual(new Set(['agent', 'customer']));
      for (const t of call.turns) {
        // the utterance that overlaps the scripted turn in time is on the scripted speaker's channel
        const u = us.find((x) => x.startMs < t.endMs && x.endMs > t.startMs && x.speaker === t.speaker);
        expect(u, `turn "${t.text}"`).toBeDefined();
      }
      const hyp = us.map((u) => u.text).join(' ');
      expect(wordErrors(call.turns.map((t) => t.text).join(' '), hyp).wer).toBeLessThan(0.4);
    } finally {
      await pool.close();
    }
  });
});

describe('contextual biasing and the second pass', () => {
  it('reads the sentencepiece vocabulary out of bpe.model: the same pieces, in the same order, as tokens.txt', () => {
    need(MODEL);
    const vocab = sentencepieceVocab(fs.readFileSync(path.join(MODEL, 'bpe.model')));
    const tokens = fs
      .readFileSync(path.join(MODEL, 'tokens.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[0]);
    expect(vocab.map((v) => v.piece)).toEqual(tokens);
    expect(vocab.every((v) => Number.isFinite(v.score))).toBe(true);
    expect(() => sentencepieceVocab(Buffer.from([0x10, 0x01]))).toThrow(/no sentencepiece vocabulary/);
  });

  it('hotwords from the policy phrases bring "security code" back where the flite agent voice loses it', async () => {
    need(MODEL);
    need(VAD);
    const { call } = synthCalls().get('bank-card-cvv')!;
    const phrases = readKeyphrases(path.resolve(__dirname, '..', '..', '..', 'policies', 'asr', 'keyphrases.txt'));
    expect(phrases).toContain('security code');
    const hear = async (hotwords?: { phrases: string[]; score: number; workDir: string }) => {
      const pool = await SpeechPool.start(
        { engine: 'sherpa', modelDir: MODEL, vadDir: VAD, decoding: 'modified_beam_search', hotwords },
        1,
      );
      try {
        const us = await transcribeWav(fs.readFileSync(call.wav8kUlaw), ['agent', 'customer'], pool);
        return { id: pool.modelId, text: us.map((u) => u.text).join(' ') };
      } finally {
        await pool.close();
      }
    };
    const plain = await hear();
    const biased = await hear({ phrases, score: 3, workDir: fs.mkdtempSync(path.join(os.tmpdir(), 'hotwords-')) });
    const count = (t: string) => t.split('security code').length - 1;
    expect(biased.id).toMatch(new RegExp(`/beam\\+hw${phrases.length}@3#[0-9a-f]{8}\\+silero#`));
    expect(count(biased.text)).toBeGreaterThan(count(plain.text));
  });

  it('a digit-dense segment the transducer shortens is decoded again by PocketSphinx, which keeps all the digits', async () => {
    need(MODEL);
    const { call } = synthCalls().get('bank-card-cvv')!;
    const card = call.turns.find((t) => /four one one one/.test(t.text))!;
    const spoken = digitWords(card.text.split(/[ ,.]+/).map((word) => ({ word })));
    const ps: EngineSpec = { engine: 'pocketsphinx', modelDir: '/usr/share/pocketsphinx/model/en-us' };
    const digitsHeard = async (spec: EngineSpec) => {
      const pool = await SpeechPool.start(spec, 1);
      try {
        const us = await transcribeWav(fs.readFileSync(call.wav8kUlaw), ['agent', 'customer'], pool);
        const u = us.find((x) => x.speaker === 'customer' && x.startMs < card.endMs && x.endMs > card.startMs)!;
        return digitWords(u.words);
      } finally {
        await pool.close();
      }
    };
    const alone = await digitsHeard({ engine: 'sherpa', modelDir: MODEL });
    const full: EngineSpec = {
      engine: 'sherpa',
      modelDir: MODEL,
      secondPass: ps,
      vadDir: VAD,
      hotwords: { phrases: ['security code'], score: 3, workDir: fs.mkdtempSync(path.join(os.tmpdir(), 'hw-')) },
    };
    // what transcripts and verdicts record fits conversations.asr_engine (128 characters)
    const pool = await SpeechPool.start(full, 1);
    expect(pool.modelId.length).toBeLessThanOrEqual(128);
    await pool.close();
    const combined = await digitsHeard({ engine: 'sherpa', modelDir: MODEL, secondPass: ps });
    expect(alone).toBeLessThan(spoken);
    expect(combined).toBeGreaterThan(alone);
    expect(combined).toBeGreaterThanOrEqual(spoken - 2);
  });
});
