import { describe, expect, it } from 'vitest';
import { contribution, deriveKpis, KPI_MEASURES, rollupDeltas } from '../../src/reporting/kpis';
import { conversationMetrics, MetricUtterance, MetricVerdict } from '../../src/reporting/metrics';
import { periodFor } from '../../src/reporting/schedule';

const call = {
  channel: 'call',
  durationMs: 60_000,
  holdMs: 5_000,
  transfers: 1,
  intent: 'card_arrival',
  escalationLevel: 'none',
};
const verdict = (over: Partial<MetricVerdict> = {}): MetricVerdict => ({
  outcome: 'inspected',
  policyId: 'bank-retail',
  policyVersion: 1,
  score: 80,
  passed: true,
  rules: [
    { ruleId: 'greeting', failed: false, fatal: false, overturned: false },
    { ruleId: 'no_cvv_request', failed: false, fatal: true, overturned: false },
  ],
  ...over,
});
const u = (
  speaker: string,
  startMs: number,
  endMs: number,
  wordCount = 10,
  sentiment: number | null = 0,
): MetricUtterance => ({
  speaker,
  startMs,
  endMs,
  wordCount,
  sentiment,
});

describe('conversation metrics', () => {
  it('talk per speaker counts a speaker’s overlapping turns once; silence and over-talk from the gaps and overlaps', () => {
    const m = conversationMetrics(
      call,
      [
        u('agent', 1_000, 11_000, 30), // 10 s
        u('agent', 10_000, 12_000, 5), // overlaps the agent's own turn: 1 s more
        u('customer', 11_500, 21_500, 20, -0.5), // over-talk 11.5–12.0 s: 500 ms
        u('customer', 21_600, 21_700, 1, -0.8), // 100 ms touching: below the over-talk floor
        u('agent', 21_650, 30_000, 20), // 21.65–21.7 overlap: 50 ms, not counted
        u('customer', 45_000, 50_000, 10, 0.6), // 15 s silence before it
      ],
      verdict(),
      false,
    );
    expect(m.talkAgentMs).toBe(11_000 + 8_350);
    expect(m.talkCustomerMs).toBe(10_000 + 100 + 5_000);
    expect(m.overtalkCount).toBe(1);
    expect(m.overtalkMs).toBe(500);
    expect(m.longestSilenceMs).toBe(15_000);
    // speech covers 1–21.5 s, 21.6–30 s and 45–50 s: 33.9 s of 60
    expect(m.silenceMs).toBe(26_100);
    expect(m.silenceRatio).toBeCloseTo(26.1 / 60, 3);
    expect(m.talkRatio).toBeCloseTo(19_350 / (19_350 + 15_100), 3);
    expect(m.agentWpm).toBeCloseTo((55 * 60_000) / 19_350, 1);
    expect(m.sentimentStart).toBeCloseTo(-0.65, 3);
    expect(m.sentimentEnd).toBeCloseTo(-0.1, 3);
    expect(m.sentimentMin).toBe(-0.8);
    expect(m).toMatchObject({ holdMs: 5_000, transfers: 1, intent: 'card_arrival', escalated: false });
  });

  it('a chat has no speech measures, a not-applicable verdict no score, and fatal rules follow reviews', () => {
    const chat = conversationMetrics(
      { ...call, channel: 'chat', holdMs: 5_000 },
      [u('customer', 0, 0, 12, 0.2)],
      verdict(),
      true,
    );
    expect(chat).toMatchObject({
      talkAgentMs: null,
      silenceRatio: null,
      overtalkCount: null,
      holdMs: null,
      repeatContact: true,
    });
    const na = conversationMetrics(
      call,
      [],
      verdict({ outcome: 'not_applicable', score: null, passed: null, rules: [] }),
      false,
    );
    expect(na).toMatchObject({ score: null, passed: null, failedRules: [] });
    const fatal = conversationMetrics(
      call,
      [],
      verdict({ passed: false, rules: [{ ruleId: 'no_cvv_request', failed: true, fatal: true, overturned: false }] }),
      false,
    );
    expect(fatal.fatalRules).toEqual(['no_cvv_request']);
  });
});

describe('rollup deltas', () => {
  const key = { day: '2026-11-02', teamId: 'team-cards', agentId: 'anna', queue: 'cards', channel: 'call' };
  const metrics = (v: MetricVerdict) =>
    conversationMetrics(call, [u('agent', 0, 5_000), u('customer', 6_000, 9_000)], v, false);

  it('a first verdict adds one conversation; the same verdict again moves nothing', () => {
    const c = contribution(key, metrics(verdict()), verdict().rules);
    const d = rollupDeltas(null, c);
    expect(d.kpi).toHaveLength(1);
    expect(d.kpi[0].measures).toMatchObject({ conversations: 1, scored: 1, passed: 1, score_sum: 80 });
    expect(d.rules.map((r) => r.key.rule_id)).toEqual(['greeting', 'no_cvv_request']);
    expect(rollupDeltas(c, c)).toEqual({ kpi: [], rules: [] });
  });

  it('an overturned finding moves pass and fail by one and nothing else', () => {
    const before = contribution(key, metrics(verdict()), verdict().rules);
    const rules = [{ ruleId: 'greeting', failed: true, fatal: false, overturned: true }, verdict().rules[1]];
    const after = contribution(key, metrics(verdict({ passed: false, score: 60, rules })), rules);
    const d = rollupDeltas(before, after);
    expect(d.kpi).toHaveLength(1);
    const moved = Object.fromEntries(Object.entries(d.kpi[0].measures).filter(([, v]) => v !== 0));
    expect(moved).toEqual({ passed: -1, failed: 1, score_sum: -20 });
    expect(d.rules).toEqual([
      {
        key: expect.objectContaining({ rule_id: 'greeting' }),
        measures: { evaluated: 0, failed: 1, fatal_failed: 0, overturned: 1 },
      },
    ]);
  });

  it('a verdict under another policy moves the conversation from one key to the other, in key order', () => {
    const a = contribution(key, metrics(verdict()), verdict().rules);
    const b = contribution(key, metrics(verdict({ policyId: 'gov-hotline' })), verdict().rules);
    const d = rollupDeltas(a, b);
    expect(d.kpi.map((x) => [x.key.policy_id, x.measures.conversations])).toEqual([
      ['bank-retail', -1],
      ['gov-hotline', 1],
    ]);
  });

  it('derived KPIs come from sums, and are null where nothing was measured', () => {
    const zero = Object.fromEntries(KPI_MEASURES.map((m) => [m, 0])) as Parameters<typeof deriveKpis>[0];
    expect(deriveKpis(zero)).toMatchObject({ passRate: null, silenceRatio: null, avgHoldS: null, conversations: 0 });
    const k = deriveKpis({
      ...zero,
      conversations: 4,
      scored: 4,
      passed: 3,
      score_sum: 300,
      timed: 2,
      timed_ms: 100_000,
      silence_ms: 25_000,
    });
    expect(k).toMatchObject({ passRate: 0.75, avgScore: 75, silenceRatio: 0.25 });
  });
});

describe('report schedules', () => {
  it('each cadence reports on the last whole period before the run', () => {
    const at = new Date('2026-12-02T01:15:00Z'); // a Wednesday
    expect(periodFor('daily', at)).toEqual({ from: '2026-12-01', to: '2026-12-01' });
    expect(periodFor('weekly', at)).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    expect(periodFor('monthly', at)).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(periodFor('monthly', new Date('2026-01-01T01:45:00Z'))).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(periodFor('weekly', new Date('2026-11-30T01:30:00Z'))).toEqual({ from: '2026-11-23', to: '2026-11-29' });
  });
});
