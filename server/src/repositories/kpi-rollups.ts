import type { EntityManager } from 'typeorm';
import {
  contribution,
  Delta,
  KPI_DIMENSIONS,
  KPI_MEASURES,
  KpiContribution,
  RULE_DIMENSIONS,
  RULE_MEASURES,
  rollupDeltas,
} from '../reporting/kpis';
import { conversationMetrics, MetricVerdict } from '../reporting/metrics';

/** a repeat contact: the same customer (customer blind index) got in touch within this many days before */
export const REPEAT_CONTACT_DAYS = 7;

async function upsert<M extends string>(
  m: EntityManager,
  table: string,
  dimensions: readonly string[],
  measures: readonly M[],
  rows: Array<Delta<M>>,
): Promise<void> {
  if (!rows.length) return;
  const cols = [...dimensions, ...measures];
  const params: unknown[] = [];
  const values = rows.map((r) => {
    const vs = [...dimensions.map((d) => r.key[d]), ...measures.map((x) => r.measures[x])];
    return `(${vs.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`;
  });
  await m.query(
    `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values.join(', ')}
     ON CONFLICT (${dimensions.join(', ')}) DO UPDATE SET ${measures.map((x) => `${x} = ${table}.${x} + EXCLUDED.${x}`).join(', ')}`,
    params,
  );
}

/**
 * Recomputes one conversation's metrics from its stored rows (times, speakers, word counts, sentiment, metadata and
 * the current verdict after reviews; nothing is decrypted) and moves the daily rollups by the difference from what
 * the conversation contributed before. Runs inside the transaction that changed the verdict, so rollups and verdicts
 * never disagree; a conversation without a current verdict contributes nothing.
 */
export async function refreshConversationKpis(m: EntityManager, conversationId: string): Promise<void> {
  const [old] = (await m.query(`SELECT contribution FROM conversation_metrics WHERE conversation_id = $1 FOR UPDATE`, [
    conversationId,
  ])) as Array<{ contribution: KpiContribution }>;
  const [c] = (await m.query(
    `SELECT c.channel, c.team_id, c.agent_id, c.queue, c.duration_ms, c.hold_ms, c.transfers, c.intent,
            c.escalation->>'level' AS escalation_level,
            to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            EXISTS (SELECT 1 FROM blind_index a
                      JOIN blind_index b ON b.kind = a.kind AND b.digest = a.digest AND b.conversation_id <> a.conversation_id
                      JOIN conversations o ON o.id = b.conversation_id
                     WHERE a.conversation_id = c.id AND a.kind = 'customer_ref'
                       AND o.started_at < c.started_at AND o.started_at >= c.started_at - make_interval(days => $2)) AS repeat
       FROM conversations c WHERE c.id = $1`,
    [conversationId, REPEAT_CONTACT_DAYS],
  )) as Array<{
    channel: string;
    team_id: string | null;
    agent_id: string | null;
    queue: string | null;
    duration_ms: number | null;
    hold_ms: number | null;
    transfers: number | null;
    intent: string | null;
    escalation_level: string | null;
    day: string;
    repeat: boolean;
  }>;
  const [v] = (await m.query(
    `SELECT id, outcome, policy_id, policy_version, final_score, final_passed FROM verdicts WHERE conversation_id = $1 AND current`,
    [conversationId],
  )) as Array<{
    id: string;
    outcome: 'inspected' | 'not_applicable';
    policy_id: string | null;
    policy_version: number | null;
    final_score: number | null;
    final_passed: boolean | null;
  }>;
  if (!c || !v) return;
  const findings = (await m.query(
    `SELECT rule_id, result, fatal, review_state FROM findings WHERE verdict_id = $1 AND result IN ('pass', 'fail') ORDER BY ordinal`,
    [v.id],
  )) as Array<{ rule_id: string; result: 'pass' | 'fail'; fatal: boolean; review_state: string | null }>;
  const utterances = (await m.query(
    `SELECT speaker, start_ms, end_ms, word_count, sentiment, sentiment_score FROM utterances WHERE conversation_id = $1 ORDER BY seq`,
    [conversationId],
  )) as Array<{
    speaker: string;
    start_ms: number;
    end_ms: number;
    word_count: number;
    sentiment: string | null;
    sentiment_score: number | null;
  }>;
  const rules: MetricVerdict['rules'] = findings.map((f) => {
    const overturned = f.review_state === 'overturned';
    return { ruleId: f.rule_id, failed: (f.result === 'fail') !== overturned, fatal: f.fatal, overturned };
  });
  const metrics = conversationMetrics(
    {
      channel: c.channel,
      durationMs: c.duration_ms,
      holdMs: c.hold_ms,
      transfers: c.transfers,
      intent: c.intent,
      escalationLevel: c.escalation_level,
    },
    utterances.map((u) => ({
      speaker: u.speaker,
      startMs: u.start_ms,
      endMs: u.end_ms,
      wordCount: u.word_count,
      // as inspection reads it: a neutral turn is 0, so "negative" means what the sentiment model calls negative
      sentiment: !u.sentiment || u.sentiment_score === null ? null : u.sentiment === 'neutral' ? 0 : u.sentiment_score,
    })),
    {
      outcome: v.outcome,
      policyId: v.policy_id,
      policyVersion: v.policy_version,
      score: v.final_score,
      passed: v.final_passed,
      rules,
    },
    c.repeat,
  );
  const after = contribution(
    { day: c.day, teamId: c.team_id ?? '', agentId: c.agent_id ?? '', queue: c.queue ?? '', channel: c.channel },
    metrics,
    rules,
  );
  const d = rollupDeltas(old?.contribution ?? null, after);
  await upsert(m, 'kpi_daily', KPI_DIMENSIONS, KPI_MEASURES, d.kpi);
  await upsert(m, 'kpi_rule_daily', RULE_DIMENSIONS, RULE_MEASURES, d.rules);
  await m.query(
    `INSERT INTO conversation_metrics (conversation_id, day, metrics, contribution, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (conversation_id) DO UPDATE SET day = EXCLUDED.day, metrics = EXCLUDED.metrics, contribution = EXCLUDED.contribution, updated_at = now()`,
    [conversationId, c.day, JSON.stringify(metrics), JSON.stringify(after)],
  );
}
