import type { RecognizedWord } from './engine';
import { pinyinWords } from './pinyin';
import {
  hotwordsConfig,
  tokensToWords,
  type Hotwords,
  type OnlineRecognizer,
  type OnlineStream,
  type SherpaModel,
} from './engines/sherpa';

/**
 * Streaming recognition of calls in progress: one sherpa-onnx OnlineRecognizer (one per thread) and a stream per
 * channel. Audio is fed as it arrives; a partial transcript is given whenever the text of the turn in progress
 * changes, and a final one when the recogniser's endpointing says the turn ended (a pause after speech, or 15 s).
 *
 * Quiet stretches are not decoded: a channel with no open turn holds its last 300 ms and starts a new turn only when
 * a 20 ms frame rises above `gateDbfs`. On a stereo call each party is silent while the other speaks, so this halves
 * the work without losing the start of a word. One recogniser stream per channel, reset after each turn (the native
 * library logs a line each time a stream at 8 kHz is made): its clock counts only the audio fed to it, so each turn
 * remembers where on the channel's clock its feeding resumed.
 */

export type LiveEvent =
  | {
      type: 'partial';
      /** the turn in progress, as heard so far */
      text: string;
      startMs: number;
      /** channel time of the newest token (ms from the start of the channel's audio) */
      lastTokenMs: number;
      /** how much of the channel's audio had arrived when this was decoded */
      audioMs: number;
    }
  | { type: 'final'; text: string; startMs: number; endMs: number; words: RecognizedWord[]; audioMs: number };

export interface LiveOptions {
  /** 20 ms frames quieter than this (dBFS) do not start a turn */
  gateDbfs?: number;
  /** pause after speech that ends a turn, seconds */
  endPauseS?: number;
  /** contextual biasing towards the policies' phrases (beam search; English models) */
  hotwords?: Hotwords;
  /** zh: a pinyin model (words are syllables, digit runs become digits) */
  language?: 'en' | 'zh';
}

const PRE_ROLL_MS = 300;

class ChannelStream {
  /** samples received so far */
  received = 0;
  private readonly stream: OnlineStream;
  /** a turn is open (audio is being fed) */
  private active = false;
  /** samples fed to the stream in all */
  private fed = 0;
  /** where the open turn's feeding resumed: on the stream's clock and on the channel's */
  private resumedFed = 0;
  private resumedAt = 0;
  private lastText = '';
  private preRoll: Int16Array[] = [];
  private preRollSamples = 0;

  constructor(
    private readonly rec: OnlineRecognizer,
    readonly rate: number,
    private readonly gate: number,
    private readonly toWords: typeof tokensToWords,
  ) {
    this.stream = rec.createStream();
  }

  private ms(samples: number) {
    return Math.round((samples * 1000) / this.rate);
  }

  /** a time on the stream's clock (seconds) → ms on the channel's */
  private channelMs(streamSeconds: number) {
    return this.ms(this.resumedAt) + Math.round(streamSeconds * 1000) - this.ms(this.resumedFed);
  }

  feed(pcm: Int16Array): LiveEvent[] {
    const out: LiveEvent[] = [];
    const frame = Math.round(this.rate * 0.02);
    const every = Math.round(this.rate * 0.1);
    for (let at = 0; at < pcm.length; at += frame) {
      const chunk = pcm.subarray(at, Math.min(at + frame, pcm.length));
      if (!this.active) {
        if (rms(chunk) < this.gate) {
          this.keep(chunk);
          this.received += chunk.length;
          continue;
        }
        // a turn starts: feeding resumes from the held pre-roll on
        this.active = true;
        this.resumedFed = this.fed;
        this.resumedAt = this.received - this.preRollSamples;
        for (const p of this.preRoll) this.accept(p);
        this.preRoll = [];
        this.preRollSamples = 0;
      }
      this.accept(chunk);
      this.received += chunk.length;
      // decode every 100 ms of audio (the model's chunk is 320 ms; finer steps only cost time), at fixed points of
      // the channel's clock: where endpoints are checked must not depend on how the network batched the frames
      if (this.received % every < chunk.length) this.step(out);
    }
    return out;
  }

  /** The call ended: the open turn is decoded to its end. */
  finish(): LiveEvent[] {
    const out: LiveEvent[] = [];
    if (!this.active) return out;
    this.accept(new Int16Array(Math.round(this.rate * 0.4)));
    this.stream.inputFinished();
    while (this.rec.isReady(this.stream)) this.rec.decode(this.stream);
    this.emitFinal(out);
    return out;
  }

  private keep(chunk: Int16Array) {
    this.preRoll.push(chunk.slice());
    this.preRollSamples += chunk.length;
    const max = Math.round((this.rate * PRE_ROLL_MS) / 1000);
    while (this.preRollSamples - this.preRoll[0].length >= max) this.preRollSamples -= this.preRoll.shift()!.length;
  }

  private accept(pcm: Int16Array) {
    const f = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) f[i] = pcm[i] / 32768;
    this.stream.acceptWaveform({ samples: f, sampleRate: this.rate });
    this.fed += pcm.length;
  }

  private step(out: LiveEvent[]) {
    const s = this.stream;
    while (this.rec.isReady(s)) this.rec.decode(s);
    if (this.rec.isEndpoint(s)) {
      this.emitFinal(out);
      this.rec.reset(s);
      this.active = false;
      return;
    }
    const r = this.rec.getResult(s);
    const text = this.toWords(r, this.fed / this.rate)
      .map((w) => w.word)
      .join(' ');
    if (text && text !== this.lastText) {
      this.lastText = text;
      out.push({
        type: 'partial',
        text,
        startMs: this.channelMs(r.start_time + (r.timestamps[0] ?? 0)),
        lastTokenMs: this.channelMs(r.start_time + (r.timestamps[r.timestamps.length - 1] ?? 0)),
        audioMs: this.ms(this.received),
      });
    }
  }

  private emitFinal(out: LiveEvent[]) {
    const r = this.rec.getResult(this.stream);
    this.lastText = '';
    const end = this.fed / this.rate - r.start_time;
    const words = this.toWords(r, end).map((w) => ({
      ...w,
      startMs: this.channelMs(r.start_time + w.startMs / 1000),
      endMs: this.channelMs(r.start_time + w.endMs / 1000),
    }));
    if (!words.length) return;
    out.push({
      type: 'final',
      text: words.map((w) => w.word).join(' '),
      startMs: words[0].startMs,
      endMs: words[words.length - 1].endMs,
      words,
      audioMs: this.ms(this.received),
    });
  }
}

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i] * pcm[i];
  return 20 * Math.log10(Math.sqrt(sum / Math.max(1, pcm.length)) / 32768 + 1e-9);
}

/** Many channels' streams on one recogniser (one thread). */
export class LiveRecognizer {
  private readonly rec: OnlineRecognizer;
  private readonly channels = new Map<string, ChannelStream>();
  private readonly toWords: typeof tokensToWords;
  readonly modelId: string;

  constructor(
    model: SherpaModel,
    private readonly opts: LiveOptions = {},
  ) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sherpa = require('sherpa-onnx-node') as { OnlineRecognizer: new (c: unknown) => OnlineRecognizer };
    const endPause = opts.endPauseS ?? 0.8;
    const zh = opts.language === 'zh';
    this.toWords = zh ? pinyinWords : tokensToWords;
    const { hw, bias, unit, biasId } = hotwordsConfig(model, zh ? undefined : opts.hotwords);
    this.rec = new sherpa.OnlineRecognizer({
      featConfig: { sampleRate: 16000, featureDim: 80 },
      modelConfig: {
        transducer: { encoder: model.encoder, decoder: model.decoder, joiner: model.joiner },
        tokens: model.tokens,
        numThreads: 1,
        provider: 'cpu',
        debug: 0,
        ...unit,
      },
      decodingMethod: hw ? 'modified_beam_search' : 'greedy_search',
      maxActivePaths: 4,
      ...bias,
      enableEndpoint: 1,
      rule1MinTrailingSilence: 2.4,
      rule2MinTrailingSilence: endPause,
      rule3MinUtteranceLength: 15,
    });
    this.modelId = `${model.id}/live${biasId}`;
  }

  open(key: string, rate: number) {
    if (!this.channels.has(key))
      this.channels.set(key, new ChannelStream(this.rec, rate, this.opts.gateDbfs ?? -45, this.toWords));
  }

  feed(key: string, pcm: Int16Array): LiveEvent[] {
    const c = this.channels.get(key);
    if (!c) throw new Error(`live stream ${key} is not open`);
    return c.feed(pcm);
  }

  close(key: string): LiveEvent[] {
    const c = this.channels.get(key);
    this.channels.delete(key);
    return c ? c.finish() : [];
  }

  get openStreams(): number {
    return this.channels.size;
  }
}
