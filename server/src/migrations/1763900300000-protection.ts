import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Protection at rest. Every content column becomes ciphertext under a per-conversation data key; data keys are kept
 * only wrapped (by the keyring's KEK, or by a customer subject's key so that destroying that one key shreds every
 * conversation of the subject). Blind-index rows let an exact identifier be found without decrypting.
 *
 * Databases from before this change hold plaintext transcripts and audio that SQL cannot encrypt; the migration
 * refuses to run on them rather than leave plaintext behind (the product had no release before it).
 */
export class Protection1763900300000 implements MigrationInterface {
  name = 'Protection1763900300000';

  async up(q: QueryRunner): Promise<void> {
    const [{ n }] = (await q.query(`SELECT count(*)::int AS n FROM conversations`)) as Array<{ n: number }>;
    if (n > 0) {
      throw new Error(
        `migration ${this.name}: this database holds ${n} conversation(s) stored in plaintext by a pre-release build; ` +
          'they cannot be encrypted in SQL. Drop the database (pre-release data only) and ingest again.',
      );
    }
    await q.query(`
      CREATE TABLE data_keys (
        id uuid PRIMARY KEY,
        purpose varchar(16) NOT NULL CHECK (purpose IN ('conversation','subject')),
        parent_id uuid REFERENCES data_keys(id),
        kek_id varchar(64),
        kek_version integer,
        wrapped bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        rewrapped_at timestamptz,
        destroyed_at timestamptz,
        CHECK ((parent_id IS NULL) = (kek_id IS NOT NULL)),
        CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX data_keys_kek_version ON data_keys (kek_version) WHERE parent_id IS NULL AND destroyed_at IS NULL`,
    );
    await q.query(`CREATE INDEX data_keys_parent ON data_keys (parent_id)`);
    await q.query(`
      CREATE TABLE subjects (
        id uuid PRIMARY KEY,
        ref_index char(64) NOT NULL UNIQUE,
        key_id uuid NOT NULL REFERENCES data_keys(id),
        legal_hold boolean NOT NULL DEFAULT false,
        erased_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE conversations DROP COLUMN customer_ref`);
    await q.query(`ALTER TABLE conversations
      ADD COLUMN key_id uuid NOT NULL REFERENCES data_keys(id),
      ADD COLUMN subject_id uuid REFERENCES subjects(id),
      ADD COLUMN customer_ref bytea,
      ADD COLUMN legal_hold boolean NOT NULL DEFAULT false,
      ADD COLUMN protected_at timestamptz`);
    await q.query(`CREATE INDEX conversations_subject ON conversations (subject_id)`);
    await q.query(`ALTER TABLE recordings
      ADD COLUMN object_id char(64),
      ADD COLUMN redacted_at timestamptz,
      ADD COLUMN redacted_spans integer,
      ADD COLUMN purged_at timestamptz`);
    await q.query(`ALTER TABLE recordings DROP COLUMN original_name`);
    await q.query(`ALTER TABLE recordings ADD COLUMN original_name bytea`);
    await q.query(`UPDATE recordings SET object_id = sha256`);
    await q.query(`ALTER TABLE utterances DROP COLUMN text, DROP COLUMN words`);
    await q.query(`ALTER TABLE utterances
      ADD COLUMN text bytea,
      ADD COLUMN words bytea,
      ADD COLUMN text_original bytea,
      ADD COLUMN words_original bytea,
      ADD COLUMN word_count integer NOT NULL DEFAULT 0,
      ADD COLUMN pii jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN original_purged_at timestamptz`);
    await q.query(`
      CREATE TABLE blind_index (
        id bigserial PRIMARY KEY,
        kind varchar(32) NOT NULL,
        digest char(64) NOT NULL,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        subject_id uuid REFERENCES subjects(id),
        UNIQUE (kind, digest, conversation_id)
      )`);
    await q.query(`CREATE INDEX blind_index_lookup ON blind_index (kind, digest)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON data_keys, subjects, blind_index TO hotline_app`);
    await q.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hotline_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE blind_index`);
    await q.query(
      `ALTER TABLE utterances DROP COLUMN text, DROP COLUMN words, DROP COLUMN text_original, DROP COLUMN words_original, DROP COLUMN word_count, DROP COLUMN pii, DROP COLUMN original_purged_at`,
    );
    await q.query(
      `ALTER TABLE utterances ADD COLUMN text text NOT NULL DEFAULT '', ADD COLUMN words jsonb NOT NULL DEFAULT '[]'`,
    );
    await q.query(
      `ALTER TABLE recordings DROP COLUMN object_id, DROP COLUMN redacted_at, DROP COLUMN redacted_spans, DROP COLUMN purged_at, DROP COLUMN original_name`,
    );
    await q.query(`ALTER TABLE recordings ADD COLUMN original_name varchar(512)`);
    await q.query(
      `ALTER TABLE conversations DROP COLUMN key_id, DROP COLUMN subject_id, DROP COLUMN customer_ref, DROP COLUMN legal_hold, DROP COLUMN protected_at`,
    );
    await q.query(`ALTER TABLE conversations ADD COLUMN customer_ref varchar(256)`);
    await q.query(`DROP TABLE subjects, data_keys`);
  }
}
