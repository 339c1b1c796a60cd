import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AuditOutcome = 'allowed' | 'denied' | 'error';

/**
 * One row of the tamper-evident audit trail. `hash` = sha256(prev_hash ‖ canonical row): editing, deleting,
 * reordering or inserting a row breaks the chain; truncation is caught by signed checkpoints kept outside.
 * The application's database role may only SELECT and INSERT here (migration grants + trigger).
 */
@Entity('audit_events')
export class AuditEvent {
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'actor_id', type: 'varchar', length: 128 })
  actorId: string;

  @Column({ name: 'actor_name', type: 'varchar', length: 256, nullable: true })
  actorName: string | null;

  @Column({ type: 'jsonb' })
  roles: string[];

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'object_type', type: 'varchar', length: 64, nullable: true })
  objectType: string | null;

  @Column({ name: 'object_id', type: 'varchar', length: 128, nullable: true })
  objectId: string | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: AuditOutcome;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  details: Record<string, unknown> | null;

  @Column({ name: 'prev_hash', type: 'char', length: 64 })
  prevHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}
