import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Speaker } from './recording';

export interface KeyphraseTiming {
  p: string;
  s: number;
  e: number;
  c: number;
}

export interface WordTiming {
  w: string;
  s: number;
  e: number;
  c: number;
}

/** Where personal data was found: type and time/character span only, never the value. */
export interface PiiMark {
  type: string;
  /** character span in the original text */
  start: number;
  end: number;
  /** time span on the conversation clock (calls) */
  s?: number;
  e?: number;
}

/**
 * What an agent reply is read as by the models trained on phrase rules' labels: a promise of returns or of no risk
 * (`promise-en`), a political view (`politics-en`), a Mandarin refusal of responsibility (`refusal-zh`). A phrase set
 * names the readings it takes (`read_as`).
 */
export const READINGS = ['promise', 'political', 'refusal'] as const;
export type Reading = (typeof READINGS)[number];

/**
 * One utterance. Its content is stored twice, both encrypted under the conversation's data key: the masked copy
 * (`text`, `words`) that ordinary views decrypt, and the original (`textOriginal`, `wordsOriginal`) that only an
 * unmask with a reason opens. Sensitive authentication data (CVV, PIN, one-time codes) is absent from both.
 */
@Entity('utterances')
@Index(['conversationId', 'seq'], { unique: true })
export class Utterance {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ type: 'varchar', length: 16 })
  speaker: Speaker;

  @Column({ name: 'start_ms', type: 'integer' })
  startMs: number;

  @Column({ name: 'end_ms', type: 'integer' })
  endMs: number;

  /** masked text, encrypted */
  @Column({ type: 'bytea', nullable: true })
  text: Buffer | null;

  /** masked word timings [{w, s, e, c}] as JSON, encrypted */
  @Column({ type: 'bytea', nullable: true })
  words: Buffer | null;

  @Column({ name: 'text_original', type: 'bytea', nullable: true })
  textOriginal: Buffer | null;

  @Column({ name: 'words_original', type: 'bytea', nullable: true })
  wordsOriginal: Buffer | null;

  @Column({ name: 'word_count', type: 'integer', default: 0 })
  wordCount: number;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  pii: PiiMark[];

  @Column({ name: 'original_purged_at', type: 'timestamptz', nullable: true })
  originalPurgedAt: Date | null;

  @Column({ type: 'real', nullable: true })
  confidence: number | null;

  /** sentiment of the utterance (understanding stage): negative / neutral / positive */
  @Column({ type: 'varchar', length: 8, nullable: true })
  sentiment: 'negative' | 'neutral' | 'positive' | null;

  /** p(positive) − p(negative), −1…1 */
  @Column({ name: 'sentiment_score', type: 'real', nullable: true })
  sentimentScore: number | null;

  /** why the tone signal read it negative, where the agent's words and not the model's lean decided: 'attitude' */
  @Column({ name: 'tone_cue', type: 'varchar', length: 16, nullable: true })
  toneCue: 'attitude' | null;

  /**
   * what the reply models trained on phrase rules' labels read the agent's reply as: 'promise' (of returns or of no
   * risk), 'political' (a view), 'refusal' (a Mandarin refusal of responsibility), comma-joined; a phrase set takes
   * them with `read_as`
   */
  @Column({ type: 'varchar', length: 64, nullable: true })
  reads: string | null;

  /** policy phrases found by phonetic keyphrase search in this utterance's audio: [{p, s, e, c}] */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  keyphrases: KeyphraseTiming[];
}
