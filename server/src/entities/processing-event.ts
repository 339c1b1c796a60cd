import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ProcessingEventKind =
  'received' | 'enqueued' | 'started' | 'completed' | 'retrying' | 'failed' | 'duplicate' | 'reconciled';

/** What happened to a conversation, in order: the processing history shown to operators. Never holds content. */
@Entity('processing_events')
@Index(['conversationId', 'id'])
export class ProcessingEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @Column({ type: 'varchar', length: 32 })
  stage: string;

  @Column({ type: 'varchar', length: 16 })
  kind: ProcessingEventKind;

  @Column({ type: 'integer', nullable: true })
  attempt: number | null;

  @Column({ name: 'job_id', type: 'varchar', length: 128, nullable: true })
  jobId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  detail: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'at', type: 'timestamptz' })
  at: Date;
}
