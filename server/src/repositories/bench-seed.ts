import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ensureDatabase } from './database';
import { refreshConversationKpis } from './kpi-rollups';

/**
 * Seeds a database with a month of conversations, verdicts, findings and their rollups in SQL (`npm run
 * bench:report`): fast enough for a million rows, shaped like a contact centre (200 agents in 20 teams, 8 queues,
 * four channels, 1 % pending, 0.5 % failed, 3 % not applicable, about 80 % passing). Benchmarks only.
 */
/** Drops and re-creates the benchmark's own database (its name must say it is one). */
export async function recreateBenchDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^hotline_bench_[a-z_]+$/.test(name)) throw new Error(`${name}: a benchmark database is named hotline_bench_*`);
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(url);
}

export class BenchSeedRepository {
  constructor(private readonly db: DataSource) {}

  async seed(
    n: number,
    month: { from: string; to: string },
    policy: { id: string; version: number; hash: string; source: string },
  ): Promise<Record<string, number>> {
    const t: Record<string, number> = {};
    const step = async (what: string, sql: string, params: unknown[] = []) => {
      const t0 = performance.now();
      await this.db.query(sql, params);
      t[what] = Math.round(performance.now() - t0);
    };
    const keyId = crypto.randomUUID();
    await this.db.query(
      `INSERT INTO data_keys (id, purpose, kek_id, kek_version, wrapped) VALUES ($1, 'conversation', 'bench', 1, '\\x00')`,
      [keyId],
    );
    await this.db.query(
      `INSERT INTO qa_policies (policy_id, version, content_hash, source, title, status, created_by) VALUES ($1, $2, $3, $4, 'bench', 'active', 'bench')`,
      [policy.id, policy.version, policy.hash, policy.source],
    );
    const span = `extract(epoch FROM ($3::date + 1)::timestamp - $2::date::timestamp)`;
    await step(
      'conversations',
      `INSERT INTO conversations (id, channel, language, agent_id, team_id, queue, key_id, started_at, ended_at, duration_ms, status,
                                  intent, failed_stage, failure_reason, source, dedupe_key, hold_ms, transfers)
       SELECT md5('c' || i)::uuid,
              CASE WHEN i % 20 < 14 THEN 'call' WHEN i % 20 < 18 THEN 'chat' WHEN i % 20 = 18 THEN 'email' ELSE 'sms' END,
              'en', 'agent-' || (i % 200), 'team-' || (i % 200 / 10), 'queue-' || (i % 8), $4::uuid,
              ($2::date::timestamp AT TIME ZONE 'UTC') + make_interval(secs => (i::float8 / $1) * ${span}),
              ($2::date::timestamp AT TIME ZONE 'UTC') + make_interval(secs => (i::float8 / $1) * ${span} + 240),
              120000 + (i * 7919) % 480000,
              CASE WHEN i % 1000 < 10 THEN 'understood' WHEN i % 1000 < 15 THEN 'failed' ELSE 'inspected' END,
              'intent_' || (i * 31 % 77),
              CASE WHEN i % 1000 BETWEEN 10 AND 14 THEN 'transcribe' END,
              CASE WHEN i % 1000 BETWEEN 10 AND 14 THEN 'speech engine error' END,
              'api', md5('d' || i) || md5('e' || i),
              CASE WHEN i % 20 < 14 AND i % 5 = 0 THEN (i * 13) % 90000 END,
              CASE WHEN i % 17 = 0 THEN 1 ELSE 0 END
         FROM generate_series(0::bigint, $1 - 1) AS i`,
      [n, month.from, month.to, keyId],
    );
    await step(
      'verdicts',
      `INSERT INTO verdicts (id, conversation_id, outcome, reason_code, reason, policy_id, policy_version, policy_hash, transcript_hash, models,
                             score, passed, fatal_rules, final_score, final_passed, verdict_hash, trigger, current, created_at)
       SELECT md5('v' || i)::uuid, md5('c' || i)::uuid,
              CASE WHEN i % 100 < 3 THEN 'not_applicable' ELSE 'inspected' END,
              CASE WHEN i % 100 < 3 THEN 'no_policy' END, CASE WHEN i % 100 < 3 THEN 'no active policy applies' END,
              CASE WHEN i % 100 >= 3 THEN $2 END, CASE WHEN i % 100 >= 3 THEN $3::int END, CASE WHEN i % 100 >= 3 THEN $4 END,
              md5('t' || i) || md5('u' || i),
              '{"asr":"pocketsphinx:en-us","intent":"intent-banking77@1#bench","sentiment":"sentiment-en@1#bench"}'::jsonb,
              CASE WHEN i % 100 >= 3 THEN 50 + (i * 37) % 50 END,
              CASE WHEN i % 100 >= 3 THEN (i * 37) % 50 >= 10 AND i % 100 <> 50 END,
              CASE WHEN i % 100 = 50 THEN '["recording_notice"]'::jsonb ELSE '[]'::jsonb END,
              CASE WHEN i % 100 >= 3 THEN 50 + (i * 37) % 50 END,
              CASE WHEN i % 100 >= 3 THEN (i * 37) % 50 >= 10 AND i % 100 <> 50 END,
              md5('h' || i) || md5('j' || i), 'pipeline', true, now()
         FROM generate_series(0::bigint, $1 - 1) AS i WHERE i % 1000 >= 15`,
      [n, policy.id, policy.version, policy.hash],
    );
    // four rules per scored verdict: a fatal one failing in 1 %, three standard ones failing 10–30 %; 0.2 % reviewed
    await step(
      'findings',
      `INSERT INTO findings (verdict_id, conversation_id, ordinal, rule_id, section_id, rule_type, title, result, fatal, weight, message, evidence, review_state, reviewed_by, reviewed_at)
       SELECT md5('v' || i)::uuid, md5('c' || i)::uuid, r.o, r.id, 'bench', 'phrase', r.title,
              CASE WHEN (r.o = 0 AND i % 100 = 50) OR (r.o > 0 AND (i * (r.o + 3)) % 100 < r.fail) THEN 'fail' ELSE 'pass' END,
              r.o = 0, 1, 'bench', '[{"startMs": 1000, "endMs": 2500}]'::jsonb,
              CASE WHEN i % 500 = 7 THEN 'confirmed' WHEN i % 500 = 9 THEN 'overturned' END,
              CASE WHEN i % 500 IN (7, 9) THEN 'bench' END, CASE WHEN i % 500 IN (7, 9) THEN now() END
         FROM generate_series(0::bigint, $1 - 1) AS i
        CROSS JOIN (VALUES (0, 'recording_notice', 'The agent says the call is recorded', 0),
                           (1, 'closing_summary', 'The agent summarises what was agreed', 30),
                           (2, 'identity_before_account', 'Identity verified before account details', 10),
                           (3, 'further_help', 'The agent offers further help', 20)) AS r(o, id, title, fail)
        WHERE i % 1000 >= 15 AND i % 100 >= 3`,
      [n],
    );
    // per-conversation metrics (what the console's sentiment filter reads): the customer ended negative in 20 %,
    // neutral in 30 %, positive in 50 %
    await step(
      'conversation_metrics',
      `INSERT INTO conversation_metrics (conversation_id, day, metrics, contribution)
       SELECT v.conversation_id, (c.started_at AT TIME ZONE 'UTC')::date,
              jsonb_build_object('sentimentEnd', CASE WHEN abs(hashtext(c.id::text)) % 10 < 2 THEN -0.4
                                                      WHEN abs(hashtext(c.id::text)) % 10 < 5 THEN 0 ELSE 0.3 END,
                                 'passed', v.final_passed, 'score', v.final_score),
              '{}'::jsonb
         FROM verdicts v JOIN conversations c ON c.id = v.conversation_id WHERE v.current`,
      [],
    );
    // the rollups as the incremental writer would have left them, built here in one pass
    await step(
      'kpi_daily',
      `INSERT INTO kpi_daily (day, team_id, agent_id, queue, channel, policy_id, intent, conversations, scored, not_applicable, passed, failed, fatal,
                              score_sum, handle_ms, timed, timed_ms, talk_agent_ms, talk_customer_ms, silence_ms, longest_silence_ms, overtalk_count,
                              overtalk_ms, hold_ms, held, agent_words, customer_words, sentiment_n, sentiment_start_sum, sentiment_end_sum,
                              sentiment_min_sum, escalations, repeat_contacts, transfers)
       SELECT (c.started_at AT TIME ZONE 'UTC')::date, c.team_id, c.agent_id, c.queue, c.channel, coalesce(v.policy_id, ''), c.intent,
              count(*), count(*) FILTER (WHERE v.outcome = 'inspected'), count(*) FILTER (WHERE v.outcome = 'not_applicable'),
              count(*) FILTER (WHERE v.final_passed), count(*) FILTER (WHERE v.final_passed = false),
              count(*) FILTER (WHERE v.fatal_rules <> '[]'), coalesce(sum(v.final_score), 0), sum(c.duration_ms),
              count(*) FILTER (WHERE c.channel = 'call'), coalesce(sum(c.duration_ms) FILTER (WHERE c.channel = 'call'), 0),
              coalesce(sum(c.duration_ms * 0.45) FILTER (WHERE c.channel = 'call'), 0), coalesce(sum(c.duration_ms * 0.35) FILTER (WHERE c.channel = 'call'), 0),
              coalesce(sum(c.duration_ms * 0.2) FILTER (WHERE c.channel = 'call'), 0), coalesce(sum(8000) FILTER (WHERE c.channel = 'call'), 0),
              count(*) FILTER (WHERE c.channel = 'call'), coalesce(sum(900) FILTER (WHERE c.channel = 'call'), 0),
              coalesce(sum(c.hold_ms), 0), count(c.hold_ms), coalesce(sum(c.duration_ms * 0.45 / 400) FILTER (WHERE c.channel = 'call'), 0),
              coalesce(sum(c.duration_ms * 0.35 / 400) FILTER (WHERE c.channel = 'call'), 0), count(*), count(*) * 0.1, count(*) * 0.2, count(*) * -0.3,
              count(*) / 50, count(*) / 12, sum(c.transfers)
         FROM conversations c JOIN verdicts v ON v.conversation_id = c.id AND v.current
        WHERE c.status = 'inspected'
        GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    );
    await step(
      'kpi_rule_daily',
      `INSERT INTO kpi_rule_daily (day, team_id, agent_id, queue, channel, policy_id, rule_id, evaluated, failed, fatal_failed, overturned)
       SELECT (c.started_at AT TIME ZONE 'UTC')::date, c.team_id, c.agent_id, c.queue, c.channel, v.policy_id, f.rule_id, count(*),
              count(*) FILTER (WHERE (f.result = 'fail') <> (f.review_state IS NOT DISTINCT FROM 'overturned')),
              count(*) FILTER (WHERE f.fatal AND (f.result = 'fail') <> (f.review_state IS NOT DISTINCT FROM 'overturned')),
              count(*) FILTER (WHERE f.review_state = 'overturned')
         FROM findings f JOIN verdicts v ON v.id = f.verdict_id JOIN conversations c ON c.id = f.conversation_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    );
    await step('analyze', `ANALYZE`);
    return t;
  }

  /** How many conversations a previous run seeded (0: none, or no such database). */
  async seeded(): Promise<number> {
    const [r] = (await this.db.query(`SELECT count(*)::int AS n FROM conversations`)) as Array<{ n: number }>;
    return r.n;
  }

  /** Gives `ids` forty utterances each (times, speakers, word counts, sentiment; no content) for the per-verdict cost. */
  async addUtterances(ids: string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO utterances (conversation_id, seq, speaker, start_ms, end_ms, word_count, sentiment, sentiment_score)
       SELECT c, s, CASE WHEN s % 2 = 0 THEN 'agent' ELSE 'customer' END, s * 4000, s * 4000 + 3500, 9,
              CASE WHEN s % 3 = 0 THEN 'negative' WHEN s % 3 = 1 THEN 'neutral' ELSE 'positive' END, (s % 3 - 1) * 0.6
         FROM unnest($1::uuid[]) AS c CROSS JOIN generate_series(0, 39) AS s
       ON CONFLICT DO NOTHING`,
      [ids],
    );
  }

  /** Conversations of the seeded month with a current verdict, as many as asked. */
  async someInspected(limit: number): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT conversation_id AS id FROM verdicts WHERE current AND outcome = 'inspected' ORDER BY verdict_hash LIMIT $1`,
      [limit],
    )) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** What one verdict adds: the metrics recomputed and the rollups moved, in its own transaction (ms each). */
  async timeRefresh(ids: string[]): Promise<number[]> {
    const out: number[] = [];
    for (const id of ids) {
      const t0 = performance.now();
      await this.db.transaction((m) => refreshConversationKpis(m, id));
      out.push(performance.now() - t0);
    }
    return out;
  }
}
