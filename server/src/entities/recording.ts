import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type Speaker = 'agent' | 'customer' | 'unknown';

@Entity('recordings')
export class Recording {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index({ unique: true })
  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  /** sha256 of the audio as received (plaintext; integrity and duplicate detection only) */
  @Index()
  @Column({ type: 'char', length: 64 })
  sha256: string;

  /** content address of the stored (encrypted) audio object; null once retention removed it */
  @Column({ name: 'object_id', type: 'char', length: 64, nullable: true })
  objectId: string | null;

  /** the unredacted upload's own data key (destroyed at redaction); null for recordings stored before it existed */
  @Column({ name: 'original_key_id', type: 'uuid', nullable: true })
  originalKeyId: string | null;

  /** when the PII spans were overwritten and the unredacted original deleted */
  @Column({ name: 'redacted_at', type: 'timestamptz', nullable: true })
  redactedAt: Date | null;

  @Column({ name: 'redacted_spans', type: 'integer', nullable: true })
  redactedSpans: number | null;

  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true })
  purgedAt: Date | null;

  @Column({ name: 'size_bytes', type: 'bigint' })
  sizeBytes: string;

  @Column({ type: 'varchar', length: 16 })
  codec: 'pcm16' | 'mulaw' | 'alaw';

  @Column({ name: 'sample_rate', type: 'integer' })
  sampleRate: number;

  @Column({ type: 'smallint' })
  channels: number;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  /** speaker of each channel, index = channel number */
  @Column({ name: 'channel_map', type: 'jsonb' })
  channelMap: Speaker[];

  /** the file name as uploaded, sealed (recorders put phone numbers and dates in names) */
  @Column({ name: 'original_name', type: 'bytea', nullable: true })
  originalName: Buffer | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
