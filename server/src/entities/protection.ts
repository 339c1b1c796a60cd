import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A data key, only ever stored wrapped: by the keyring's KEK (kekId + kekVersion), or by its parent — the
 * customer subject's key — so that destroying one subject key shreds every conversation of that subject.
 */
@Entity('data_keys')
export class DataKey {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  purpose: 'conversation' | 'subject' | 'report' | 'original' | 'original_text';

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId: string | null;

  @Column({ name: 'kek_id', type: 'varchar', length: 64, nullable: true })
  kekId: string | null;

  @Column({ name: 'kek_version', type: 'integer', nullable: true })
  kekVersion: number | null;

  /** null once destroyed (crypto-shredding) */
  @Column({ type: 'bytea', nullable: true })
  wrapped: Buffer | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'rewrapped_at', type: 'timestamptz', nullable: true })
  rewrappedAt: Date | null;

  @Column({ name: 'destroyed_at', type: 'timestamptz', nullable: true })
  destroyedAt: Date | null;
}

/** A customer, known only by the blind index of their reference; owns the key that wraps their conversations' keys. */
@Entity('subjects')
export class Subject {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'ref_index', type: 'char', length: 64, unique: true })
  refIndex: string;

  @Column({ name: 'key_id', type: 'uuid' })
  keyId: string;

  @Column({ name: 'legal_hold', type: 'boolean', default: false })
  legalHold: boolean;

  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

/** Keyed digest of an identifier found in (or sent with) a conversation. */
@Entity('blind_index')
export class BlindIndexRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  kind: string;

  @Column({ type: 'char', length: 64 })
  digest: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @Column({ name: 'subject_id', type: 'uuid', nullable: true })
  subjectId: string | null;
}
