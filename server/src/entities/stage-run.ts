import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One completed (conversation, stage, version): a redelivered job finds it and does nothing. */
@Entity('stage_runs')
export class StageRun {
  @PrimaryColumn({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  stage: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ name: 'completed_at', type: 'timestamptz' })
  completedAt: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ type: 'jsonb', nullable: true })
  detail: Record<string, unknown> | null;
}
