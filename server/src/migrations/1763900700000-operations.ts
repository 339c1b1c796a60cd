import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operations: stage run times of the last hour for /metrics and `hotline status` without scanning every run; the
 * findings that count as failed after reviews, by conversation and rule, for the console's list filters (fatal,
 * failed rule) — the same condition the rollups use, so the planner can probe it per conversation.
 */
export class Operations1763900700000 implements MigrationInterface {
  name = 'Operations1763900700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX stage_runs_completed ON stage_runs (completed_at)`);
    await q.query(
      `CREATE INDEX findings_failed_after_review ON findings (conversation_id, rule_id)
        WHERE result IN ('pass', 'fail') AND ((result = 'fail') <> (review_state IS NOT DISTINCT FROM 'overturned'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX stage_runs_completed, findings_failed_after_review`);
  }
}
