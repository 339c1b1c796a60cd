import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why the tone signal read an utterance as negative, where it was the agent's words and not the model's lean
 * (`attitude`: blame, a brush-off, impatience, talking down, a bald refusal): a dismissive-language rule reads it
 * (`attitude: true` in a phrase set) instead of repeating the tone signal's phrase lists.
 */
export class ToneCue1763901200000 implements MigrationInterface {
  name = 'ToneCue1763901200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE utterances ADD COLUMN tone_cue varchar(16) CHECK (tone_cue IN ('attitude'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE utterances DROP COLUMN tone_cue`);
  }
}
