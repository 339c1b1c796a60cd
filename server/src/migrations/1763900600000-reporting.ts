import { MigrationInterface, QueryRunner } from 'typeorm';

// The schema as of this migration (reporting/kpis.ts names the same columns for the code that fills them).
/** the additive measures of kpi_daily: sums and counts, so averages and rates can be derived */
const KPI_MEASURES = [
  'conversations',
  'scored',
  'not_applicable',
  'passed',
  'failed',
  'fatal',
  'score_sum',
  'handle_ms',
  'timed',
  'timed_ms',
  'talk_agent_ms',
  'talk_customer_ms',
  'silence_ms',
  'longest_silence_ms',
  'overtalk_count',
  'overtalk_ms',
  'hold_ms',
  'held',
  'agent_words',
  'customer_words',
  'sentiment_n',
  'sentiment_start_sum',
  'sentiment_end_sum',
  'sentiment_min_sum',
  'escalations',
  'repeat_contacts',
  'transfers',
] as const;
/** the measures per rule (kpi_rule_daily) */
const RULE_MEASURES = ['evaluated', 'failed', 'fatal_failed', 'overturned'] as const;
/** the dimensions both rollups are kept at (the finest grain a dashboard or report groups or filters by) */
const KPI_DIMENSIONS = ['day', 'team_id', 'agent_id', 'queue', 'channel', 'policy_id', 'intent'] as const;
const RULE_DIMENSIONS = ['day', 'team_id', 'agent_id', 'queue', 'channel', 'policy_id', 'rule_id'] as const;

const REAL = new Set(['score_sum', 'sentiment_start_sum', 'sentiment_end_sum', 'sentiment_min_sum']);
const measureColumns = (ms: readonly string[]) =>
  ms.map((m) => `${m} ${REAL.has(m) ? 'double precision' : 'bigint'} NOT NULL DEFAULT 0`).join(',\n        ');
const dimensionColumns = (ds: readonly string[]) =>
  ds.map((d) => (d === 'day' ? 'day date NOT NULL' : `${d} varchar(128) NOT NULL DEFAULT ''`)).join(',\n        ');

/**
 * Reporting: per-conversation metrics written at inspection (and moved when a verdict changes), daily rollups kept
 * current incrementally from them, the metadata fields they need (transfers, hold time), and generated reports.
 */
export class Reporting1763900600000 implements MigrationInterface {
  name = 'Reporting1763900600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE conversations ADD COLUMN transfers integer, ADD COLUMN hold_ms integer`);
    await q.query(`
      CREATE TABLE conversation_metrics (
        conversation_id uuid PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
        day date NOT NULL,
        metrics jsonb NOT NULL,
        contribution jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE data_keys DROP CONSTRAINT data_keys_purpose_check`);
    await q.query(
      `ALTER TABLE data_keys ADD CONSTRAINT data_keys_purpose_check CHECK (purpose IN ('conversation','subject','report'))`,
    );
    // the compliance report's fatal findings and review outcomes, without scanning every finding of the period
    await q.query(`CREATE INDEX findings_fatal_failed ON findings (conversation_id) WHERE fatal AND result = 'fail'`);
    await q.query(`CREATE INDEX findings_reviewed ON findings (conversation_id) WHERE review_state IS NOT NULL`);
    await q.query(`CREATE INDEX conversation_metrics_day ON conversation_metrics (day)`);
    await q.query(`
      CREATE TABLE kpi_daily (
        ${dimensionColumns(KPI_DIMENSIONS)},
        ${measureColumns(KPI_MEASURES)},
        PRIMARY KEY (${KPI_DIMENSIONS.join(', ')})
      )`);
    await q.query(`
      CREATE TABLE kpi_rule_daily (
        ${dimensionColumns(RULE_DIMENSIONS)},
        ${measureColumns(RULE_MEASURES)},
        PRIMARY KEY (${RULE_DIMENSIONS.join(', ')})
      )`);
    await q.query(`
      CREATE TABLE reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind varchar(32) NOT NULL,
        period_from date NOT NULL,
        period_to date NOT NULL,
        scope jsonb NOT NULL,
        languages jsonb NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('pending','ready','failed')),
        error text,
        object_id char(64),
        key_id uuid,
        sha256 char(64),
        size_bytes bigint,
        summary jsonb,
        schedule_id varchar(64),
        requested_by varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        ready_at timestamptz
      )`);
    await q.query(`CREATE INDEX reports_created ON reports (created_at DESC)`);
    await q.query(`
      CREATE TABLE report_schedules (
        id varchar(64) PRIMARY KEY,
        cadence varchar(16) NOT NULL CHECK (cadence IN ('daily','weekly','monthly')),
        scope jsonb NOT NULL,
        languages jsonb NOT NULL,
        created_by varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON conversation_metrics, kpi_daily, kpi_rule_daily, reports, report_schedules TO hotline_app`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE report_schedules, reports, kpi_rule_daily, kpi_daily, conversation_metrics`);
    await q.query(`DROP INDEX findings_fatal_failed, findings_reviewed`);
    await q.query(`ALTER TABLE data_keys DROP CONSTRAINT data_keys_purpose_check`);
    await q.query(
      `ALTER TABLE data_keys ADD CONSTRAINT data_keys_purpose_check CHECK (purpose IN ('conversation','subject'))`,
    );
    await q.query(`ALTER TABLE conversations DROP COLUMN transfers, DROP COLUMN hold_ms`);
  }
}
