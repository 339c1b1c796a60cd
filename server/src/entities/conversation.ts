import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const CHANNELS = ['call', 'chat', 'email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * received → transcribing → transcribed → redacting → protected → understanding → understood → inspecting →
 * inspected (with a verdict: scored, or not applicable with the reason). `failed` carries the stage and the reason.
 * A conversation never just disappears: it ends in a terminal state or the reconciler picks it up again.
 */
export const CONVERSATION_STATES = [
  'received',
  'transcribing',
  'transcribed',
  'redacting',
  'protected',
  'understanding',
  'understood',
  'inspecting',
  'inspected',
  'failed',
] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];
export const TERMINAL_STATES: readonly ConversationState[] = ['inspected', 'failed'];

@Entity('conversations')
@Index(['startedAt', 'id'])
export class Conversation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  channel: Channel;

  @Column({ type: 'varchar', length: 16, nullable: true })
  direction: 'inbound' | 'outbound' | null;

  @Column({ type: 'varchar', length: 16, default: 'en' })
  language: string;

  @Index()
  @Column({ name: 'agent_id', type: 'varchar', length: 128, nullable: true })
  agentId: string | null;

  @Index()
  @Column({ name: 'team_id', type: 'varchar', length: 128, nullable: true })
  teamId: string | null;

  @Column({ name: 'queue', type: 'varchar', length: 128, nullable: true })
  queue: string | null;

  /** the customer's reference, encrypted under the conversation's data key (found again through the blind index) */
  @Column({ name: 'customer_ref', type: 'bytea', nullable: true })
  customerRef: Buffer | null;

  /** the conversation's data key (data_keys.id): every encrypted field of the conversation names it */
  @Column({ name: 'key_id', type: 'uuid' })
  keyId: string;

  /** the data key of the unmasked transcript (a child of key_id), destroyed when retention removes the originals */
  @Column({ name: 'original_text_key_id', type: 'uuid', nullable: true })
  originalTextKeyId: string | null;

  /** the customer subject whose key wraps the data key (crypto-shredding unit), when a customer reference came in */
  @Column({ name: 'subject_id', type: 'uuid', nullable: true })
  subjectId: string | null;

  @Column({ name: 'legal_hold', type: 'boolean', default: false })
  legalHold: boolean;

  @Column({ name: 'protected_at', type: 'timestamptz', nullable: true })
  protectedAt: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs: number | null;

  @Index()
  @Column({ type: 'varchar', length: 24, default: 'received' })
  status: ConversationState;

  /** what the customer asked for (understanding stage): a BANKING77 intent or `unknown` */
  @Column({ type: 'varchar', length: 64, nullable: true })
  intent: string | null;

  @Column({ name: 'intent_confidence', type: 'real', nullable: true })
  intentConfidence: number | null;

  /** escalation signal {level, score, reasons} (reasons name words and numbers, never transcript text beyond them) */
  @Column({ type: 'jsonb', nullable: true })
  escalation: { level: string; score: number; reasons: string[] } | null;

  /** the understanding models that produced intent and sentiment: task → name@version#manifest-sha256 prefix */
  @Column({ name: 'nlu_models', type: 'jsonb', nullable: true })
  nluModels: Record<string, string> | null;

  /** transfers/handoffs the recorder or chat platform reported (metadata), when it did */
  @Column({ type: 'integer', nullable: true })
  transfers: number | null;

  /** time on hold the recorder reported (metadata `holdSeconds`), calls only */
  @Column({ name: 'hold_ms', type: 'integer', nullable: true })
  holdMs: number | null;

  @Column({ name: 'failed_stage', type: 'varchar', length: 32, nullable: true })
  failedStage: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ type: 'varchar', length: 16 })
  source: 'api' | 'drop' | 'cli' | 'live' | 'text';

  /** sha256 over the recording (or messages) and the canonical metadata: the same upload twice is recognised */
  @Column({ name: 'dedupe_key', type: 'char', length: 64, unique: true })
  dedupeKey: string;

  @Column({ name: 'asr_engine', type: 'varchar', length: 128, nullable: true })
  asrEngine: string | null;

  @Column({ name: 'transcribed_at', type: 'timestamptz', nullable: true })
  transcribedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
