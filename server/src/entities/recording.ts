import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type Speaker = 'agent' | 'customer' | 'unknown';

@Entity('recordings')
export class Recording {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index({ unique: true })
  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  /** content address of the audio bytes in the object store */
  @Index()
  @Column({ type: 'char', length: 64 })
  sha256: string;

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

  @Column({ name: 'original_name', type: 'varchar', length: 512, nullable: true })
  originalName: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
