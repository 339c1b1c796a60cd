import { Client } from 'pg';
import { TERMINAL_STATES } from '../entities/conversation';

/** One conversation as the demo prints it (numbers and labels only; no content). */
export interface RunSummaryRow {
  id: string;
  status: string;
  duration_ms: number;
  asr_engine: string | null;
  failure_reason: string | null;
  secs: string | null;
  stage_ms: number | null;
  words: number;
  pii: number;
  redacted: number | null;
  intent: string | null;
  intent_confidence: number | null;
  escalation: string | null;
  customer_sentiment: string | null;
  outcome: string | null;
  reason_code: string | null;
  score: number | null;
  passed: boolean | null;
  fatal_rules: string[] | null;
  policy_id: string | null;
  failed_rules: string | null;
}

/**
 * What the demo, the benchmarks and `hotline ingest --wait` read about a batch of conversations a running appliance
 * processes: how many finished, and the per-conversation summary they print. A plain connection (no ORM), opened by
 * the script that watches.
 */
export class RunReport {
  private constructor(private readonly pg: Client) {}

  /** `appRole`: the role the installed login must take to read anything (HOTLINE_DB_APP_ROLE) */
  static async open(databaseUrl: string, appRole?: string): Promise<RunReport> {
    const pg = new Client({ connectionString: databaseUrl, ...(appRole ? { options: `-c role=${appRole}` } : {}) });
    await pg.connect();
    return new RunReport(pg);
  }

  close(): Promise<void> {
    return this.pg.end();
  }

  /** Drops a scratch database the benchmark recreates (connects to `postgres` on the same server). */
  static async dropDatabase(databaseUrl: string, name: string): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a scratch database name: ${name}`);
    const admin = new Client({ connectionString: databaseUrl.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }

  /** How many of these conversations reached a terminal state (inspected, failed…). */
  async finished(ids: string[]): Promise<number> {
    const { rows } = await this.pg.query(
      'SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status = ANY($2)',
      [ids, TERMINAL_STATES],
    );
    return rows[0].n;
  }

  async failed(ids: string[]): Promise<number> {
    const { rows } = await this.pg.query(
      "SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status = 'failed'",
      [ids],
    );
    return rows[0].n;
  }

  /** Mean time from `received` to the first stage's `started` (a PostgreSQL interval, as text). */
  async meanQueueWait(ids: string[]): Promise<unknown> {
    const { rows } = await this.pg.query(
      `SELECT avg(s.at - r.at) AS queue_wait FROM processing_events r
         JOIN processing_events s ON s.conversation_id = r.conversation_id AND s.kind = 'started'
        WHERE r.kind = 'received' AND r.conversation_id = ANY($1)`,
      [ids],
    );
    return rows[0].queue_wait;
  }

  /** Mean masking time inside transcribe, redact stage time and transcribe (decoding) time, in ms. */
  async protectionCosts(ids: string[]): Promise<{ mask_ms: number; redact_ms: number; transcribe_ms: number }> {
    const { rows } = await this.pg.query(
      `SELECT avg((t.detail->>'protectMs')::float) AS mask_ms, avg(r.duration_ms)::float AS redact_ms,
              avg(t.duration_ms)::float AS transcribe_ms
         FROM stage_runs t JOIN stage_runs r ON r.conversation_id = t.conversation_id AND r.stage = 'redact'
        WHERE t.stage = 'transcribe' AND t.conversation_id = ANY($1)`,
      [ids],
    );
    return rows[0];
  }

  /** One summary row per conversation: state, timings, counts, understanding and the current verdict (no content). */
  async summaries(ids: string[]): Promise<RunSummaryRow[]> {
    const { rows } = await this.pg.query(
      `SELECT c.id, c.status, c.duration_ms, c.asr_engine, c.failure_reason,
              EXTRACT(EPOCH FROM (c.transcribed_at - c.created_at)) AS secs,
              (SELECT s.duration_ms FROM stage_runs s WHERE s.conversation_id = c.id AND s.stage = 'transcribe') AS stage_ms,
              (SELECT coalesce(sum(u.word_count), 0) FROM utterances u WHERE u.conversation_id = c.id)::int AS words,
              (SELECT coalesce(sum(jsonb_array_length(u.pii)), 0) FROM utterances u WHERE u.conversation_id = c.id)::int AS pii,
              (SELECT r.redacted_spans FROM recordings r WHERE r.conversation_id = c.id) AS redacted,
              c.intent, c.intent_confidence, c.escalation->>'level' AS escalation,
              (SELECT string_agg(left(coalesce(u.sentiment, '?'), 3), ' ' ORDER BY u.seq) FROM utterances u
                WHERE u.conversation_id = c.id AND u.speaker = 'customer') AS customer_sentiment,
              v.outcome, v.reason_code, v.score, v.passed, v.fatal_rules, v.policy_id,
              (SELECT string_agg(f.rule_id || CASE WHEN f.fatal THEN '!' ELSE '' END, ', ' ORDER BY f.ordinal)
                 FROM findings f WHERE f.verdict_id = v.id AND f.result = 'fail') AS failed_rules
         FROM conversations c LEFT JOIN verdicts v ON v.conversation_id = c.id AND v.current WHERE c.id = ANY($1)`,
      [ids],
    );
    return rows;
  }
}
