import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Understanding: intent (with confidence), escalation signal and the models' hashes per conversation, sentiment per
 * utterance. Conversations get the `understanding` / `understood` states between `protected` and `inspecting`.
 */
export class Understanding1763900500000 implements MigrationInterface {
  name = 'Understanding1763900500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE conversations ADD COLUMN intent varchar(64), ADD COLUMN intent_confidence real, ADD COLUMN escalation jsonb, ADD COLUMN nlu_models jsonb`,
    );
    await q.query(`CREATE INDEX conversations_intent ON conversations (intent) WHERE intent IS NOT NULL`);
    await q.query(
      `ALTER TABLE utterances ADD COLUMN sentiment varchar(8) CHECK (sentiment IN ('negative','neutral','positive')), ADD COLUMN sentiment_score real`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE utterances DROP COLUMN sentiment, DROP COLUMN sentiment_score`);
    await q.query(`DROP INDEX conversations_intent`);
    await q.query(
      `ALTER TABLE conversations DROP COLUMN intent, DROP COLUMN intent_confidence, DROP COLUMN escalation, DROP COLUMN nlu_models`,
    );
  }
}
