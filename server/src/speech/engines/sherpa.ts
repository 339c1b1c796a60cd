import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RecognizedWord, SpeechEngine, SpeechModelError } from '../engine';
import { pinyinWords } from '../pinyin';
import { timedWords } from '../words';
import { voteWords } from '../word-vote';

/**
 * sherpa-onnx (npm `sherpa-onnx-node`, pinned; its linux-x64 binaries come inside npm) running a streaming zipformer
 * transducer. Every file of the model directory is checked against its SHA256SUMS before anything is loaded, and
 * the model id carries the hash of that list, so a transcript names the exact model. 8 kHz audio is fed as it is:
 * the recogniser computes its features from the rate it is given.
 */

/* The addon's surface we use (it ships JavaScript without types). */
export interface OnlineStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}
export interface OnlineRecognizer {
  createStream(): OnlineStream;
  isReady(s: OnlineStream): boolean;
  decode(s: OnlineStream): void;
  getResult(s: OnlineStream): {
    text: string;
    tokens: string[];
    timestamps: number[];
    ys_probs: number[];
    /** where the current segment began (after a reset), seconds on the stream's clock */
    start_time: number;
  };
  /** endpointing (live recognition) */
  isEndpoint(s: OnlineStream): boolean;
  reset(s: OnlineStream): void;
}
interface SherpaModule {
  OnlineRecognizer: new (config: unknown) => OnlineRecognizer;
}

export interface SherpaModel {
  dir: string;
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
  /** `name#<first 12 hex of sha256(SHA256SUMS)>` */
  id: string;
}

/** Reads SHA256SUMS and checks every file it lists; returns the hash of the list itself. */
export function verifySha256Sums(dir: string): { files: string[]; listHash: string } {
  const list = path.join(dir, 'SHA256SUMS');
  if (!fs.existsSync(list)) throw new SpeechModelError(`${dir}: no SHA256SUMS; a model without checksums is refused`);
  const text = fs.readFileSync(list, 'utf8');
  const files: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (!m) throw new SpeechModelError(`${list}:${i + 1}: not a "sha256  file" line`);
    const file = path.join(dir, m[2]);
    if (!fs.existsSync(file)) throw new SpeechModelError(`${dir}: ${m[2]} is listed in SHA256SUMS but missing`);
    const got = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (got !== m[1]) throw new SpeechModelError(`${dir}: ${m[2]} does not match SHA256SUMS (tampered or damaged)`);
    files.push(m[2]);
  }
  return { files, listHash: crypto.createHash('sha256').update(text).digest('hex') };
}

/** The transducer's files in a model directory (verified), by their usual names. */
export function sherpaModel(dir: string): SherpaModel {
  if (!fs.existsSync(dir)) throw new SpeechModelError(`sherpa model directory ${dir} does not exist`);
  const { files, listHash } = verifySha256Sums(dir);
  const top = files.filter((f) => !f.includes('/'));
  const pick = (part: string) => {
    const all = top.filter((f) => f.startsWith(`${part}-`) && f.endsWith('.onnx'));
    const chosen = all.find((f) => f.endsWith('.int8.onnx')) ?? all[0];
    if (!chosen) throw new SpeechModelError(`${dir}: no ${part}-*.onnx listed in SHA256SUMS`);
    return path.join(dir, chosen);
  };
  if (!top.includes('tokens.txt')) throw new SpeechModelError(`${dir}: tokens.txt is not listed in SHA256SUMS`);
  return {
    dir,
    encoder: pick('encoder'),
    decoder: pick('decoder'),
    joiner: pick('joiner'),
    tokens: path.join(dir, 'tokens.txt'),
    id: `sherpa:${path.basename(dir)}#${listHash.slice(0, 12)}`,
  };
}

/** Tokens (BPE pieces; a leading space starts a word) with their times and log-probabilities → words. */
/**
 * How late the streaming English transducer emits a token after the sound it stands for: on the synthetic 8 kHz calls
 * (46 turns, voice onset and offset from the audio's energy) the first word of a turn was stamped 206 ms after the
 * voice began (p10 146, p90 244) and the last word ended 193 ms after it stopped. Word times are moved back by it, so
 * silencing, playback and evidence line up with the audio (measure: see docs/ARCHITECTURE.md, speech).
 */
export const EMISSION_DELAY_S = 0.2;

export function tokensToWords(
  r: { tokens: string[]; timestamps: number[]; ys_probs: number[] },
  endSeconds: number,
): RecognizedWord[] {
  const words: Array<{ text: string; start: number; logp: number[] }> = [];
  r.tokens.forEach((tok, i) => {
    const starts = tok.startsWith(' ') || tok.startsWith('▁') || words.length === 0;
    const piece = tok.replace(/^[ ▁]+/, '');
    if (starts) words.push({ text: piece, start: Math.max(0, (r.timestamps[i] ?? 0) - EMISSION_DELAY_S), logp: [] });
    else words[words.length - 1].text += piece;
    words[words.length - 1].logp.push(r.ys_probs[i] ?? 0);
  });
  // a word lasts at most 0.6 s plus 0.12 s a letter
  return timedWords(
    words.filter((w) => w.text.length > 0),
    endSeconds,
    (text) => 0.6 + 0.12 * text.length,
  );
}

/**
 * The `piece score` vocabulary sherpa-onnx wants for hotwords (`bpeVocab`), read from the sentencepiece model
 * (`bpe.model`, a protobuf ModelProto: repeated field 1 = SentencePiece { 1: piece, 2: score }).
 */
export function sentencepieceVocab(model: Buffer): Array<{ piece: string; score: number }> {
  let i = 0;
  const varint = (b: Buffer, at: number): [number, number] => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = b[at++];
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return [v, at];
      shift += 7;
    }
  };
  const skip = (b: Buffer, at: number, wire: number): number => {
    if (wire === 0) return varint(b, at)[1];
    if (wire === 1) return at + 8;
    if (wire === 5) return at + 4;
    if (wire === 2) {
      const [len, p] = varint(b, at);
      return p + len;
    }
    throw new SpeechModelError(`bpe.model: unsupported protobuf wire type ${wire}`);
  };
  const out: Array<{ piece: string; score: number }> = [];
  while (i < model.length) {
    const [key, p] = varint(model, i);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      const [len, start] = varint(model, p);
      const end = start + len;
      let piece = '';
      let score = 0;
      let j = start;
      while (j < end) {
        const [k, q] = varint(model, j);
        if (k >> 3 === 1 && (k & 7) === 2) {
          const [l, s0] = varint(model, q);
          piece = model.subarray(s0, s0 + l).toString('utf8');
          j = s0 + l;
        } else if (k >> 3 === 2 && (k & 7) === 5) {
          score = model.readFloatLE(q);
          j = q + 4;
        } else j = skip(model, q, k & 7);
      }
      out.push({ piece, score });
      i = end;
    } else i = skip(model, p, wire);
  }
  if (!out.length) throw new SpeechModelError('bpe.model holds no sentencepiece vocabulary');
  return out;
}

/** Several speech threads may write the same file at once: each writes its own copy and renames it into place. */
function writeAtomically(file: string, content: string) {
  const tmp = `${file}.${process.pid}.${crypto.randomUUID()}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Phrases to bias the recogniser towards (hotwords), with the files sherpa reads them from. */
export interface Hotwords {
  phrases: string[];
  score: number;
  /** where the vocabulary and the phrase list are written (the model directory is read-only) */
  workDir: string;
}

/**
 * The recogniser settings for contextual biasing (they need beam search and the sentencepiece vocabulary): the
 * phrases upper-cased like tokens.txt, written with the vocabulary under the hotwords' work directory.
 */
export function hotwordsConfig(
  m: SherpaModel,
  hotwords: Hotwords | undefined,
): { hw?: Hotwords; bias: Record<string, unknown>; unit: Record<string, unknown>; biasId: string } {
  const hw = hotwords?.phrases.length ? hotwords : undefined;
  let bias: Record<string, unknown> = {};
  let unit: Record<string, unknown> = {};
  let biasId = '';
  if (hw) {
    const bpe = path.join(m.dir, 'bpe.model');
    if (!fs.existsSync(bpe)) throw new SpeechModelError(`${m.dir}: hotwords need bpe.model`);
    fs.mkdirSync(hw.workDir, { recursive: true });
    const vocab = path.join(hw.workDir, 'bpe.vocab');
    writeAtomically(
      vocab,
      sentencepieceVocab(fs.readFileSync(bpe))
        .map((v) => `${v.piece} ${v.score}`)
        .join('\n') + '\n',
    );
    const list = [
      ...new Set(
        hw.phrases.map((p) =>
          p
            .toUpperCase()
            .replace(/[^A-Z' ]+/g, ' ')
            .trim(),
        ),
      ),
    ].filter(Boolean);
    const text = list.join('\n') + '\n';
    const file = path.join(
      hw.workDir,
      `hotwords-${crypto.createHash('sha256').update(text).digest('hex').slice(0, 12)}.txt`,
    );
    writeAtomically(file, text);
    bias = { hotwordsFile: file, hotwordsScore: hw.score };
    biasId = `+hw${list.length}@${hw.score}#${path.basename(file, '.txt').slice(9, 17)}`;
    unit = { modelingUnit: 'bpe', bpeVocab: vocab };
  }
  return { hw, bias, unit, biasId };
}

/**
 * The streaming encoder's chunk in seconds, from the model's file name (`…-chunk-16-…`: 16 frames of 20 ms after the
 * encoder's subsampling); 0.32 s where the name does not say.
 */
export function chunkSeconds(encoderFile: string): number {
  const m = /chunk-(\d+)/.exec(path.basename(encoderFile));
  return m ? Number(m[1]) * 0.02 : 0.32;
}

export class SherpaEngine implements SpeechEngine {
  readonly name = 'sherpa' as const;
  readonly modelId: string;
  /** the model's own rate; `nativeRates` are fed as they come */
  readonly sampleRate = 16000;
  readonly nativeRates = [8000, 16000];
  private readonly recognizer: OnlineRecognizer;

  /** zh: a Mandarin model whose tokens are pinyin initials and finals (words are syllables) */
  readonly language: 'en' | 'zh';
  /** where each decoding of a segment begins within the encoder's chunk (seconds of silence before the audio) */
  readonly phaseLeads: number[];

  constructor(opts: {
    modelDir: string;
    decoding?: 'greedy_search' | 'modified_beam_search';
    hotwords?: Hotwords;
    language?: 'en' | 'zh';
    /** decode each segment this many times, shifted across one encoder chunk, and vote word by word (1 = once) */
    phases?: number;
  }) {
    this.language = opts.language ?? 'en';
    const m = sherpaModel(opts.modelDir);
    const phases = Math.max(1, Math.floor(opts.phases ?? 1));
    const chunk = chunkSeconds(m.encoder);
    this.phaseLeads = Array.from({ length: phases }, (_, k) => Math.round(((k * chunk) / phases) * 16000) / 16000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sherpa = require('sherpa-onnx-node') as SherpaModule;
    // biasing needs a sentencepiece vocabulary: the Mandarin (pinyin) model has none
    const { hw, bias, unit, biasId } = hotwordsConfig(m, this.language === 'zh' ? undefined : opts.hotwords);
    const decoding = hw ? 'modified_beam_search' : (opts.decoding ?? 'greedy_search');
    this.recognizer = new sherpa.OnlineRecognizer({
      featConfig: { sampleRate: 16000, featureDim: 80 },
      modelConfig: {
        transducer: { encoder: m.encoder, decoder: m.decoder, joiner: m.joiner },
        tokens: m.tokens,
        numThreads: 1,
        provider: 'cpu',
        debug: 0,
        ...unit,
      },
      decodingMethod: decoding,
      maxActivePaths: 4,
      enableEndpoint: 0,
      ...bias,
    });
    this.modelId = `${m.id}/${decoding === 'greedy_search' ? 'greedy' : 'beam'}${biasId}${phases > 1 ? `/x${phases}` : ''}`;
  }

  /**
   * One segment → words. With several phases the segment is decoded once per phase, each time after a different
   * stretch of silence shorter than one encoder chunk, so the chunk boundaries fall at other places in the speech;
   * the transcripts are then put to a word-by-word vote (`voteWords`). A streaming encoder's errors cluster at its
   * chunk boundaries; the vote keeps what most phases heard.
   */
  decode(pcm: Int16Array, sampleRate = this.sampleRate): RecognizedWord[] {
    const samples = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
    const hyps = this.phaseLeads.map((lead) => this.decodeOnce(samples, sampleRate, lead));
    return voteWords(hyps);
  }

  private decodeOnce(samples: Float32Array, sampleRate: number, lead: number): RecognizedWord[] {
    const s = this.recognizer.createStream();
    if (lead > 0) s.acceptWaveform({ samples: new Float32Array(Math.round(sampleRate * lead)), sampleRate });
    s.acceptWaveform({ samples, sampleRate });
    // trailing silence flushes the last chunk through the streaming encoder
    s.acceptWaveform({ samples: new Float32Array(Math.round(sampleRate * 0.4)), sampleRate });
    s.inputFinished();
    while (this.recognizer.isReady(s)) this.recognizer.decode(s);
    const got = this.recognizer.getResult(s);
    // times on the segment's own clock (the lead silence taken off)
    const r = lead > 0 ? { ...got, timestamps: got.timestamps.map((t) => Math.max(0, t - lead)) } : got;
    const seconds = samples.length / sampleRate;
    return this.language === 'zh' ? pinyinWords(r, seconds) : tokensToWords(r, seconds);
  }

  close(): void {
    // the addon frees the recogniser with its handle
  }
}

interface VadSegment {
  start: number;
  samples: Float32Array;
}
interface Vad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  front(): VadSegment;
  pop(): void;
  flush(): void;
}

/**
 * Silero VAD (through sherpa-onnx) at 16 kHz, window 512; the model file is checked against its SHA256SUMS. Segment
 * starts are padded by `padMs` (the detector clips about 0.1 s) and ends by half that.
 */
export class SileroSegmenter {
  readonly modelId: string;
  private readonly config: unknown;
  private readonly sherpa: { Vad: new (config: unknown, bufferSeconds: number) => Vad };

  constructor(
    dir: string,
    private readonly opts: { threshold?: number; padMs?: number } = {},
  ) {
    const { files, listHash } = verifySha256Sums(dir);
    const model = files.find((f) => f.endsWith('.onnx'));
    if (!model) throw new SpeechModelError(`${dir}: no .onnx model listed in SHA256SUMS`);
    this.modelId = `silero#${listHash.slice(0, 8)}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.sherpa = require('sherpa-onnx-node');
    this.config = {
      sileroVad: {
        model: path.join(dir, model),
        threshold: opts.threshold ?? 0.3,
        minSilenceDuration: 0.3,
        minSpeechDuration: 0.2,
        maxSpeechDuration: 20,
        windowSize: 512,
      },
      sampleRate: 16000,
      numThreads: 1,
      debug: 0,
    };
  }

  /** Speech segments of 16 kHz audio, as [start, end) sample indices at 16 kHz. */
  segments(pcm16k: Int16Array): Array<{ startSample: number; endSample: number }> {
    const vad = new this.sherpa.Vad(this.config, Math.max(30, pcm16k.length / 16000 + 1));
    const f = new Float32Array(pcm16k.length);
    for (let i = 0; i < f.length; i++) f[i] = pcm16k[i] / 32768;
    const out: Array<{ startSample: number; endSample: number }> = [];
    const take = () => {
      while (!vad.isEmpty()) {
        const s = vad.front();
        out.push({ startSample: s.start, endSample: s.start + s.samples.length });
        vad.pop();
      }
    };
    for (let i = 0; i < f.length; i += 512) {
      vad.acceptWaveform(f.subarray(i, Math.min(i + 512, f.length)));
      take();
    }
    vad.flush();
    take();
    const pad = Math.round(((this.opts.padMs ?? 150) * 16000) / 1000);
    return out.map((s) => ({
      startSample: Math.max(0, s.startSample - pad),
      endSample: Math.min(pcm16k.length, s.endSample + Math.round(pad / 2)),
    }));
  }
}
