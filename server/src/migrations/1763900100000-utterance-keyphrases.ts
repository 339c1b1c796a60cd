import { MigrationInterface, QueryRunner } from 'typeorm';

export class UtteranceKeyphrases1763900100000 implements MigrationInterface {
  name = 'UtteranceKeyphrases1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE utterances ADD COLUMN keyphrases jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE utterances DROP COLUMN keyphrases`);
  }
}
