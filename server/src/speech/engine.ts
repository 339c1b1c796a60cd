/** What every speech engine offers: 16-bit PCM at `sampleRate` in, words with timings and confidence out. */
export interface RecognizedWord {
  word: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

/** A policy phrase found by phonetic keyphrase search (independent of the language model's transcript). */
export interface KeyphraseHit {
  phrase: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

export interface SpeechEngine {
  readonly name: 'pocketsphinx' | 'vosk' | 'sherpa';
  /** identifies the acoustic + language model, so a transcript records what produced it */
  readonly modelId: string;
  readonly sampleRate: number;
  /** rates the engine takes as they come (no resampling); others are resampled to `sampleRate` */
  readonly nativeRates?: number[];
  /** Decodes one utterance (at `rate`, default `sampleRate`); word times are relative to its first sample. */
  decode(pcm: Int16Array, rate?: number): RecognizedWord[];
  /** phonetic keyphrase spotting over the same audio, when the engine has a keyphrase list */
  spot?(pcm: Int16Array, rate?: number): KeyphraseHit[];
  close(): void;
}

export interface SegmentResult {
  words: RecognizedWord[];
  keyphrases: KeyphraseHit[];
}

export class SpeechModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpeechModelError';
  }
}

export interface EngineSpec {
  engine: 'pocketsphinx' | 'vosk' | 'sherpa';
  /** pocketsphinx: model root with en-us/ and en-us.lm.bin; vosk, sherpa: the model directory */
  modelDir: string;
  /** sherpa: the model's language; zh = a pinyin model (words are syllables, digit runs become digits) */
  language?: 'en' | 'zh';
  /** sherpa: greedy search (default) or modified beam search */
  decoding?: 'greedy_search' | 'modified_beam_search';
  /** sherpa: decodings per segment, shifted across one encoder chunk and voted word by word (default 1) */
  phases?: number;
  /** sherpa: the Silero VAD model directory; without it the energy VAD segments */
  vadDir?: string;
  /** sherpa: contextual biasing towards these phrases (beam search), files written under workDir */
  hotwords?: { phrases: string[]; score: number; workDir: string };
  /** sherpa: PocketSphinx beside it for keyphrase spotting and a second pass over digit-dense segments */
  secondPass?: EngineSpec;
  /** pocketsphinx: an alternative language model (ARPA or binary) */
  lmPath?: string;
  /** pocketsphinx: a domain model interpolated with the general one, and its weight */
  domainLm?: { path: string; weight: number };
  /** pocketsphinx: keyphrase list, one `phrase /threshold/` per line */
  keyphrases?: string;
}
