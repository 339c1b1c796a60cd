import crypto from 'node:crypto';
import { resample } from '../audio/resample';
import { KeyphraseHit, RecognizedWord, SpeechEngine } from '../engine';

/** The digits as a recogniser writes them when it hears a digit string. */
const DIGITS = new Set(['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);

/** How many words are spoken digits. */
export const digitWords = (words: Array<{ word: string }>) =>
  words.filter((w) => DIGITS.has(w.word.toLowerCase())).length;

/**
 * Two engines on one segment: the neural `primary` writes the transcript; the `secondary` (PocketSphinx with the
 * domain model) spots the policy keyphrases, and re-decodes segments where the primary heard digits. Transducers
 * trained on general speech drop repeated digits ("four one one one, one one one one" → "four one one"); when the
 * second pass hears more digit words in the segment, its words replace the primary's there. Card numbers, CVVs and
 * phone numbers are read out as digit strings, and masking and silencing can only protect what was heard.
 */
export class CombinedEngine implements SpeechEngine {
  readonly name: SpeechEngine['name'];
  readonly modelId: string;
  readonly sampleRate: number;
  readonly nativeRates?: number[];

  constructor(
    private readonly primary: SpeechEngine,
    private readonly secondary: SpeechEngine,
  ) {
    this.name = primary.name;
    this.sampleRate = primary.sampleRate;
    this.nativeRates = primary.nativeRates;
    // the column that records it is 128 characters: the second engine is named by a hash of its full id
    this.modelId = `${primary.modelId}+ps#${crypto.createHash('sha256').update(secondary.modelId).digest('hex').slice(0, 8)}`;
  }

  private forSecondary(pcm: Int16Array, rate: number): Int16Array {
    return rate === this.secondary.sampleRate ? pcm : resample(pcm, rate, this.secondary.sampleRate);
  }

  decode(pcm: Int16Array, rate = this.sampleRate): RecognizedWord[] {
    const words = this.primary.decode(pcm, rate);
    if (digitWords(words) < 2) return words;
    const second = this.secondary.decode(this.forSecondary(pcm, rate));
    return digitWords(second) > digitWords(words) ? second : words;
  }

  spot(pcm: Int16Array, rate = this.sampleRate): KeyphraseHit[] {
    return this.secondary.spot?.(this.forSecondary(pcm, rate)) ?? [];
  }

  close(): void {
    this.primary.close();
    this.secondary.close();
  }
}
