import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The unmasked transcript (`text_original`, `words_original`: it may hold a full card number or a date of birth) is
 * sealed under a data key of its own, a child of the conversation's key, recorded on the conversation. Retention of
 * originals destroys that key with the columns, so a copy of the originals in an earlier backup can no longer be
 * decrypted either, while the masked transcript (under the conversation's key) stays readable. Conversations stored
 * before this migration keep their originals under the conversation's key (original_text_key_id NULL).
 */
export class OriginalTextKey1763901000000 implements MigrationInterface {
  name = 'OriginalTextKey1763901000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE data_keys DROP CONSTRAINT data_keys_purpose_check`);
    await q.query(
      `ALTER TABLE data_keys ADD CONSTRAINT data_keys_purpose_check CHECK (purpose IN ('conversation','subject','report','original','original_text'))`,
    );
    await q.query(`ALTER TABLE conversations ADD COLUMN original_text_key_id uuid NULL REFERENCES data_keys(id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE conversations DROP COLUMN original_text_key_id`);
    await q.query(`DELETE FROM data_keys WHERE purpose = 'original_text'`);
    await q.query(`ALTER TABLE data_keys DROP CONSTRAINT data_keys_purpose_check`);
    await q.query(
      `ALTER TABLE data_keys ADD CONSTRAINT data_keys_purpose_check CHECK (purpose IN ('conversation','subject','report','original'))`,
    );
  }
}
