import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A third reading of an agent's reply: 'refusal' (refusal-zh, a Mandarin refusal of responsibility), beside 'promise'
 * and 'political'. The check on `utterances.reads` is replaced by one that admits it.
 */
export class RefusalReads1763901400000 implements MigrationInterface {
  name = 'RefusalReads1763901400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE utterances DROP CONSTRAINT IF EXISTS utterances_reads_check`);
    await q.query(
      `ALTER TABLE utterances ADD CONSTRAINT utterances_reads_check
         CHECK (reads ~ '^(promise|political|refusal)(,(promise|political|refusal))*$')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // a stored 'refusal' reading does not fit the older check: it is cleared first
    await q.query(`UPDATE utterances SET reads = NULL WHERE reads ~ 'refusal'`);
    await q.query(`ALTER TABLE utterances DROP CONSTRAINT IF EXISTS utterances_reads_check`);
    await q.query(
      `ALTER TABLE utterances ADD CONSTRAINT utterances_reads_check
         CHECK (reads ~ '^(promise|political)(,(promise|political))*$')`,
    );
  }
}
