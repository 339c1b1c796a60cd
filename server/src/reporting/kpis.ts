import type { ConversationMetrics, MetricVerdict } from './metrics';

/**
 * The daily rollups. Each conversation adds one row's worth of additive measures (sums and counts) to `kpi_daily`
 * at its key (day, team, agent, queue, channel, policy, intent), and one per evaluated rule to `kpi_rule_daily`.
 * When a verdict changes (re-inspection, review, dispute) its old contribution is subtracted and the new one added,
 * so rollups stay current without recomputing history, and a dashboard sums rollup rows instead of conversations.
 */
export const KPI_MEASURES = [
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
export type KpiMeasure = (typeof KPI_MEASURES)[number];
export const RULE_MEASURES = ['evaluated', 'failed', 'fatal_failed', 'overturned'] as const;
export type RuleMeasure = (typeof RULE_MEASURES)[number];

export const KPI_DIMENSIONS = ['day', 'team_id', 'agent_id', 'queue', 'channel', 'policy_id', 'intent'] as const;
export const RULE_DIMENSIONS = ['day', 'team_id', 'agent_id', 'queue', 'channel', 'policy_id', 'rule_id'] as const;

/** What a conversation is filed under (absent values are '' in the rollups: NULL would not match in a key). */
export interface KpiKey {
  day: string;
  teamId: string;
  agentId: string;
  queue: string;
  channel: string;
  policyId: string;
  intent: string;
}

/** A conversation's whole contribution: the stored metrics row is this, so the same can be subtracted later. */
export interface KpiContribution {
  key: KpiKey;
  measures: Record<KpiMeasure, number>;
  rules: Array<{ ruleId: string } & Record<RuleMeasure, number>>;
}

const n = (x: number | null | undefined) => x ?? 0;
const has = (x: number | null | undefined) => (x === null || x === undefined ? 0 : 1);

export function contribution(
  key: Omit<KpiKey, 'policyId' | 'intent'>,
  m: ConversationMetrics,
  rules: MetricVerdict['rules'],
): KpiContribution {
  const timed = m.channel === 'call' && m.talkAgentMs !== null ? 1 : 0;
  const scored = m.outcome === 'inspected' && m.score !== null ? 1 : 0;
  const sentimentN = m.sentimentStart !== null ? 1 : 0;
  return {
    key: { ...key, policyId: m.policyId ?? '', intent: m.intent ?? '' },
    measures: {
      conversations: 1,
      scored,
      not_applicable: m.outcome === 'not_applicable' ? 1 : 0,
      passed: scored && m.passed ? 1 : 0,
      failed: scored && m.passed === false ? 1 : 0,
      fatal: scored && m.fatalRules.length ? 1 : 0,
      score_sum: scored ? n(m.score) : 0,
      handle_ms: n(m.handleMs),
      timed,
      timed_ms: timed ? n(m.handleMs) : 0,
      talk_agent_ms: timed ? n(m.talkAgentMs) : 0,
      talk_customer_ms: timed ? n(m.talkCustomerMs) : 0,
      silence_ms: timed ? n(m.silenceMs) : 0,
      longest_silence_ms: timed ? n(m.longestSilenceMs) : 0,
      overtalk_count: timed ? n(m.overtalkCount) : 0,
      overtalk_ms: timed ? n(m.overtalkMs) : 0,
      hold_ms: n(m.holdMs),
      held: has(m.holdMs),
      // words for speech rate: calls only (a chat's words are typed, not spoken in talk time)
      agent_words: timed ? m.agentWords : 0,
      customer_words: timed ? m.customerWords : 0,
      sentiment_n: sentimentN,
      sentiment_start_sum: sentimentN ? n(m.sentimentStart) : 0,
      sentiment_end_sum: sentimentN ? n(m.sentimentEnd) : 0,
      sentiment_min_sum: sentimentN ? n(m.sentimentMin) : 0,
      escalations: m.escalated ? 1 : 0,
      repeat_contacts: m.repeatContact ? 1 : 0,
      transfers: n(m.transfers),
    },
    rules:
      m.outcome === 'inspected'
        ? rules.map((r) => ({
            ruleId: r.ruleId,
            evaluated: 1,
            failed: r.failed ? 1 : 0,
            fatal_failed: r.failed && r.fatal ? 1 : 0,
            overturned: r.overturned ? 1 : 0,
          }))
        : [],
  };
}

/** A row of additive measures with a sign, keyed as the rollup table's primary key. */
export interface Delta<M extends string> {
  key: Record<string, string>;
  measures: Record<M, number>;
}

const keyString = (k: Record<string, string>) => JSON.stringify(k);

function add<M extends string>(
  into: Map<string, Delta<M>>,
  key: Record<string, string>,
  ms: Record<M, number>,
  sign: number,
) {
  const id = keyString(key);
  const d = into.get(id) ?? {
    key,
    measures: Object.fromEntries(Object.keys(ms).map((k) => [k, 0])) as Record<M, number>,
  };
  for (const k of Object.keys(ms) as M[]) d.measures[k] += sign * ms[k];
  into.set(id, d);
}

const dims = (k: KpiKey) => ({
  day: k.day,
  team_id: k.teamId,
  agent_id: k.agentId,
  queue: k.queue,
  channel: k.channel,
  policy_id: k.policyId,
});

/**
 * What to add to the rollups when a conversation's contribution changes from `before` (none: first verdict) to
 * `after`: rows with all-zero deltas are dropped, and rows come sorted by key, so concurrent writers take row locks
 * in the same order and cannot deadlock.
 */
export function rollupDeltas(
  before: KpiContribution | null,
  after: KpiContribution,
): { kpi: Array<Delta<KpiMeasure>>; rules: Array<Delta<RuleMeasure>> } {
  const kpi = new Map<string, Delta<KpiMeasure>>();
  const rules = new Map<string, Delta<RuleMeasure>>();
  const apply = (c: KpiContribution, sign: number) => {
    add(kpi, { ...dims(c.key), intent: c.key.intent }, c.measures, sign);
    for (const { ruleId, ...ms } of c.rules) add(rules, { ...dims(c.key), rule_id: ruleId }, ms, sign);
  };
  if (before) apply(before, -1);
  apply(after, 1);
  const keep = <M extends string>(m: Map<string, Delta<M>>) =>
    [...m.entries()]
      .filter(([, d]) => Object.values<number>(d.measures).some((v) => Math.abs(v) > 1e-9))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, d]) => d);
  return { kpi: keep(kpi), rules: keep(rules) };
}

/** The figures a chart or report shows, derived from summed measures (null where nothing was measured). */
export interface Kpis {
  conversations: number;
  scored: number;
  notApplicable: number;
  passed: number;
  failed: number;
  fatal: number;
  passRate: number | null;
  avgScore: number | null;
  avgHandleS: number | null;
  talkRatio: number | null;
  silenceRatio: number | null;
  avgLongestSilenceS: number | null;
  overtalkPerCall: number | null;
  overtalkRatio: number | null;
  avgHoldS: number | null;
  agentWpm: number | null;
  customerWpm: number | null;
  sentimentStart: number | null;
  sentimentEnd: number | null;
  sentimentMin: number | null;
  escalationRate: number | null;
  repeatContactRate: number | null;
  transfers: number;
}

const ratio = (a: number, b: number, digits = 4) => (b > 0 ? Number((a / b).toFixed(digits)) : null);

export function deriveKpis(s: Record<KpiMeasure, number>): Kpis {
  const talk = s.talk_agent_ms + s.talk_customer_ms;
  return {
    conversations: s.conversations,
    scored: s.scored,
    notApplicable: s.not_applicable,
    passed: s.passed,
    failed: s.failed,
    fatal: s.fatal,
    passRate: ratio(s.passed, s.scored),
    avgScore: ratio(s.score_sum, s.scored, 2),
    avgHandleS: ratio(s.handle_ms / 1000, s.conversations, 1),
    talkRatio: ratio(s.talk_agent_ms, talk),
    silenceRatio: ratio(s.silence_ms, s.timed_ms),
    avgLongestSilenceS: ratio(s.longest_silence_ms / 1000, s.timed, 1),
    overtalkPerCall: ratio(s.overtalk_count, s.timed, 2),
    overtalkRatio: ratio(s.overtalk_ms, s.timed_ms),
    avgHoldS: ratio(s.hold_ms / 1000, s.held, 1),
    agentWpm: ratio(s.agent_words * 60_000, s.talk_agent_ms, 1),
    customerWpm: ratio(s.customer_words * 60_000, s.talk_customer_ms, 1),
    sentimentStart: ratio(s.sentiment_start_sum, s.sentiment_n, 3),
    sentimentEnd: ratio(s.sentiment_end_sum, s.sentiment_n, 3),
    sentimentMin: ratio(s.sentiment_min_sum, s.sentiment_n, 3),
    escalationRate: ratio(s.escalations, s.conversations),
    repeatContactRate: ratio(s.repeat_contacts, s.conversations),
    transfers: s.transfers,
  };
}
