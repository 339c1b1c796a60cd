import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the reply models trained on the fatal phrase rules' labels read an agent's reply as ('promise' of returns or of
 * no risk, 'political' view), comma-joined: the understanding stage writes it, a phrase set takes it with `read_as`.
 */
export class Reads1763901300000 implements MigrationInterface {
  name = 'Reads1763901300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE utterances ADD COLUMN reads varchar(64) CHECK (reads ~ '^(promise|political)(,(promise|political))*$')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE utterances DROP COLUMN reads`);
  }
}
