import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The unredacted upload (which may hold a spoken CVV, PIN or OTP) is sealed under a data key of its own, a child of
 * the conversation's key, destroyed when the redacted copy replaces it (or when retention purges the audio): any copy
 * of the original left on a disk or in an earlier backup can no longer be decrypted once the key row is gone.
 * Recordings stored before this migration keep the conversation's key (original_key_id NULL).
 */
export class OriginalAudioKey1763900900000 implements MigrationInterface {
  name = 'OriginalAudioKey1763900900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE data_keys DROP CONSTRAINT data_keys_purpose_check`);
    await q.query(
      `ALTER TABLE data_keys ADD CONSTRAINT data_keys_purpose_check CHECK (purpose IN ('conversation','subject','report','original'))`,
    );
    await q.query(`ALTER TABLE recordings ADD COLUMN original_key_id uuid NULL REFERENCES data_keys(id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN original_key_id`);
    await q.query(`ALTER TABLE data_keys DROP CONSTRAINT data_keys_purpose_check`);
    await q.query(
      `ALTER TABLE data_keys ADD CONSTRAINT data_keys_purpose_check CHECK (purpose IN ('conversation','subject','report'))`,
    );
  }
}
