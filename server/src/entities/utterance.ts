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

  @Column({ type: 'text' })
  text: string;

  /** word timings relative to the conversation start: [{w, s, e, c}] */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  words: WordTiming[];

  @Column({ type: 'real', nullable: true })
  confidence: number | null;

  /** policy phrases found by phonetic keyphrase search in this utterance's audio: [{p, s, e, c}] */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  keyphrases: KeyphraseTiming[];
}
