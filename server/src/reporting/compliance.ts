import type { Kpis } from './kpis';

/**
 * The compliance report as data: what the PDF shows and the CSVs hold, in one shape, so both are made from the same
 * figures. Every conversation received in the period is accounted for (the ledger CSV lists each one); totals,
 * pass rates, rule violations with their trend, fatal findings (places and times, never text), review and dispute
 * outcomes, the policy versions and models in force, and the audit checkpoint covering the period.
 */
export type Lang = 'en' | 'zh';
export const LANGS: Lang[] = ['en', 'zh'];

export interface ReportScopeSpec {
  /** all conversations, or only these teams / queues / this policy */
  kind: 'all' | 'teams' | 'queues' | 'policy';
  values: string[];
}

export interface CoverageTotals {
  received: number;
  inspected: number;
  notApplicable: number;
  failed: number;
  pending: number;
}

/** One group of a period's conversations (day × class × code × policy version × models) with its count. */
export interface CoverageGroup {
  day: string;
  cls: 'inspected' | 'not_applicable' | 'failed' | 'pending';
  code: string;
  policyId: string | null;
  policyVersion: number | null;
  policyHash: string | null;
  /** the verdict's models as JSON text (null: no current verdict) */
  models: string | null;
  count: number;
  /** ISO time the group's earliest conversation came in */
  firstCreated: string;
  detail: string;
}

export type CoverageDay = { day: string } & CoverageTotals & { oldestPendingAgeS: number | null };
export interface InForce {
  policyId: string | null;
  version: number | null;
  hash: string | null;
  models: Record<string, string>;
  count: number;
}

/**
 * Coverage per UTC day (every conversation under exactly one of four classes), the reasons (not applicable) and
 * errors (failed) behind the counts, and the policy versions and models of the current verdicts, summed from groups.
 * Groups may come in several pieces (ledger pages): pieces of one group add up.
 */
export function coverageFromGroups(
  groups: CoverageGroup[],
  now: Date,
): {
  days: CoverageDay[];
  reasons: Array<{ accountedAs: string; code: string; detail: string; count: number }>;
  inForce: InForce[];
} {
  const days = new Map<string, CoverageDay>();
  const reasons = new Map<string, { accountedAs: string; code: string; detail: string; count: number }>();
  const inForce = new Map<string, InForce>();
  const KEY = {
    inspected: 'inspected',
    not_applicable: 'notApplicable',
    failed: 'failed',
    pending: 'pending',
  } as const;
  for (const g of groups) {
    const d = days.get(g.day) ?? {
      day: g.day,
      received: 0,
      inspected: 0,
      notApplicable: 0,
      failed: 0,
      pending: 0,
      oldestPendingAgeS: null,
    };
    d.received += g.count;
    d[KEY[g.cls]] += g.count;
    if (g.cls === 'pending') {
      const age = Math.max(0, Math.round((now.getTime() - Date.parse(g.firstCreated)) / 1000));
      d.oldestPendingAgeS = Math.max(d.oldestPendingAgeS ?? 0, age);
    }
    days.set(g.day, d);
    if (g.cls === 'failed' || g.cls === 'not_applicable') {
      const k = `${g.cls}\u0000${g.code}`;
      const x = reasons.get(k) ?? { accountedAs: g.cls, code: g.code, detail: g.detail, count: 0 };
      x.count += g.count;
      if (g.detail && (!x.detail || g.detail < x.detail)) x.detail = g.detail;
      reasons.set(k, x);
    }
    // conversations without a current verdict (failed, pending) have no models: they are not "in force" rows
    if (g.models !== null) {
      const k = `${g.policyId}\u0000${g.policyVersion}\u0000${g.policyHash}\u0000${g.models}`;
      const x = inForce.get(k) ?? {
        policyId: g.policyId,
        version: g.policyVersion,
        hash: g.policyHash,
        models: JSON.parse(g.models) as Record<string, string>,
        count: 0,
      };
      x.count += g.count;
      inForce.set(k, x);
    }
  }
  return {
    days: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
    reasons: [...reasons.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    inForce: [...inForce.values()].sort(
      (a, b) =>
        (a.policyId ?? '').localeCompare(b.policyId ?? '') || (a.version ?? 0) - (b.version ?? 0) || b.count - a.count,
    ),
  };
}

export interface RuleLine {
  policyId: string;
  ruleId: string;
  title: string;
  severity: 'fatal' | 'standard';
  weight: number | null;
  evaluated: number;
  failed: number;
  failRate: number | null;
  previousFailed: number;
  previousFailRate: number | null;
  overturned: number;
}

export interface ComplianceReport {
  id: string;
  period: { from: string; to: string };
  previous: { from: string; to: string };
  scope: ReportScopeSpec;
  /** whose view: all, or the teams the person generating it may see */
  callerScope: string;
  generatedAt: string;
  generatedBy: string;
  coverage: {
    totals: CoverageTotals;
    days: Array<{ day: string } & CoverageTotals>;
    reasons: Array<{ accountedAs: string; code: string; detail: string; count: number }>;
    oldestPendingAgeS: number | null;
  };
  kpis: { current: Kpis; previous: Kpis };
  passByDay: Array<{ day: string; scored: number; passed: number; passRate: number | null }>;
  rules: RuleLine[];
  fatal: {
    total: number;
    items: Array<{
      conversationId: string;
      startedAt: string;
      teamId: string | null;
      agentId: string | null;
      ruleId: string;
      title: string;
      evidence: string;
      reviewState: string | null;
    }>;
  };
  reviews: { confirmed: number; overturned: number; disputes: Record<string, number> };
  inForce: {
    policies: Array<{ policyId: string; version: number; hash: string; verdicts: number }>;
    notApplicableVerdicts: number;
    models: Array<{ task: string; model: string; verdicts: number }>;
  };
  checkpoint: {
    seq: number;
    hash: string;
    at: string;
    keyId: string;
    signature: string;
    coversPeriod: boolean;
  } | null;
}

/** UI text of the report, per language. Keys are checked at compile time: a language cannot miss one. */
const EN = {
  title: 'Compliance report',
  period: 'Period',
  previousPeriod: 'Previous period',
  scope: 'Scope',
  scopeAll: 'all conversations',
  scopeTeams: 'teams',
  scopeQueues: 'queues',
  scopePolicy: 'policy',
  callerScope: 'Visible to the person who generated it',
  generated: 'Generated',
  by: 'by',
  reportId: 'Report id',
  coverage: '1. Coverage: every conversation accounted for',
  coverageNote:
    'Every conversation received in the period is counted under exactly one class; coverage-ledger.csv lists each one.',
  received: 'Received',
  inspected: 'Inspected',
  notApplicable: 'Not applicable',
  failed: 'Failed',
  pending: 'Pending',
  oldestPending: 'Oldest pending (s)',
  reasons: 'Not applicable and failed: reasons',
  class: 'Class',
  code: 'Code',
  detail: 'Detail',
  count: 'Count',
  quality: '2. Quality: pass rate and conversation KPIs',
  metric: 'Measure',
  thisPeriod: 'This period',
  change: 'Change',
  passRate: 'Pass rate',
  avgScore: 'Average score',
  scored: 'Scored verdicts',
  fatalVerdicts: 'Verdicts with a fatal finding',
  avgHandle: 'Average handle time (s)',
  silenceRatio: 'Silence ratio',
  overtalkPerCall: 'Over-talk per call',
  talkRatio: 'Agent talk ratio',
  sentimentEnd: 'Customer sentiment at end',
  escalationRate: 'Escalation rate',
  repeatRate: 'Repeat contact rate (7 days)',
  passTrend: 'Pass rate by day',
  coverageChart: 'Conversations by day and class',
  rules: '3. Violations by rule and severity',
  rule: 'Rule',
  severity: 'Severity',
  fatalSeverity: 'fatal',
  standardSeverity: 'standard',
  evaluated: 'Evaluated',
  failRate: 'Fail rate',
  previousFailRate: 'Previous',
  overturned: 'Overturned',
  fatalFindings: '4. Fatal findings',
  fatalNote: 'Places and times only; the conversation ids open the masked transcripts in the console.',
  conversation: 'Conversation',
  started: 'Started',
  team: 'Team',
  agent: 'Agent',
  evidence: 'Evidence (s)',
  review: 'Review',
  moreInCsv: 'more in fatal-findings.csv',
  none: 'None.',
  reviewsTitle: '5. Reviews and disputes',
  confirmed: 'Findings confirmed',
  overturnedFindings: 'Findings overturned',
  disputesOpen: 'Disputes open',
  disputesAccepted: 'Disputes accepted',
  disputesRejected: 'Disputes rejected',
  inForceTitle: '6. Policy versions and models in force',
  policy: 'Policy',
  version: 'Version',
  hash: 'SHA-256',
  verdicts: 'Verdicts',
  task: 'Task',
  model: 'Model',
  checkpointTitle: '7. Audit trail checkpoint',
  checkpointCovers: 'Signed checkpoint after the end of the period: it covers every audit event of the period.',
  checkpointLatest:
    'No checkpoint after the end of the period yet: the latest one is given; it covers events up to its time.',
  noCheckpoint: 'No audit checkpoint has been written yet.',
  seq: 'Sequence',
  at: 'Time',
  keyId: 'Key id',
  page: 'Page',
  verifyNote:
    'The evidence pack lists the SHA-256 of this file in SHA256SUMS, signed by the appliance (SHA256SUMS.p7s). Verify with openssl cms -verify and sha256sum -c (README in the pack).',
} as const;
type Text = Record<keyof typeof EN, string>;
const ZH: Text = {
  title: '合规报告',
  period: '报告期间',
  previousPeriod: '上一期间',
  scope: '范围',
  scopeAll: '全部会话',
  scopeTeams: '团队',
  scopeQueues: '队列',
  scopePolicy: '质检策略',
  callerScope: '生成者可见范围',
  generated: '生成时间',
  by: '生成人',
  reportId: '报告编号',
  coverage: '一、覆盖率：每个会话均有结论',
  coverageNote: '期间内收到的每个会话恰好计入一个类别；coverage-ledger.csv 逐条列出。',
  received: '收到',
  inspected: '已质检',
  notApplicable: '不适用',
  failed: '处理失败',
  pending: '待处理',
  oldestPending: '最久待处理（秒）',
  reasons: '不适用与失败的原因',
  class: '类别',
  code: '代码',
  detail: '说明',
  count: '数量',
  quality: '二、质量：通过率与会话指标',
  metric: '指标',
  thisPeriod: '本期',
  change: '变化',
  passRate: '通过率',
  avgScore: '平均得分',
  scored: '评分结论数',
  fatalVerdicts: '含致命项的结论数',
  avgHandle: '平均处理时长（秒）',
  silenceRatio: '静默占比',
  overtalkPerCall: '每通抢话次数',
  talkRatio: '坐席说话占比',
  sentimentEnd: '结束时客户情绪',
  escalationRate: '升级率',
  repeatRate: '重复来电率（7天）',
  passTrend: '每日通过率',
  coverageChart: '每日会话数（按类别）',
  rules: '三、按规则与严重程度统计的违规',
  rule: '规则',
  severity: '严重程度',
  fatalSeverity: '致命',
  standardSeverity: '一般',
  evaluated: '评估数',
  failRate: '不合格率',
  previousFailRate: '上期',
  overturned: '复核推翻',
  fatalFindings: '四、致命问题',
  fatalNote: '仅列位置与时间；会话编号可在控制台打开脱敏转写。',
  conversation: '会话',
  started: '开始时间',
  team: '团队',
  agent: '坐席',
  evidence: '证据（秒）',
  review: '复核',
  moreInCsv: '其余见 fatal-findings.csv',
  none: '无。',
  reviewsTitle: '五、复核与申诉',
  confirmed: '确认的问题',
  overturnedFindings: '推翻的问题',
  disputesOpen: '未决申诉',
  disputesAccepted: '已采纳申诉',
  disputesRejected: '已驳回申诉',
  inForceTitle: '六、生效的策略版本与模型',
  policy: '策略',
  version: '版本',
  hash: 'SHA-256',
  verdicts: '结论数',
  task: '任务',
  model: '模型',
  checkpointTitle: '七、审计链检查点',
  checkpointCovers: '期间结束后的签名检查点：覆盖本期间的全部审计事件。',
  checkpointLatest: '期间结束后尚无检查点：列出最新检查点，其覆盖至其时间为止的事件。',
  noCheckpoint: '尚未写入审计检查点。',
  seq: '序号',
  at: '时间',
  keyId: '密钥编号',
  page: '第',
  verifyNote:
    '证据包的 SHA256SUMS 列出本文件的 SHA-256，并由设备签名（SHA256SUMS.p7s）。可用 openssl cms -verify 与 sha256sum -c 验证（见包内 README）。',
};
export const TEXT: Record<Lang, Text> = { en: EN, zh: ZH };

// ---- CSV

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toFixed(4))) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
export const csvLine = (vs: unknown[]) => vs.map(cell).join(',') + '\r\n';
const csv = (header: string[], rows: unknown[][]) => csvLine(header) + rows.map(csvLine).join('');

const fmtRate = (x: number | null) => (x === null ? '' : x);

/** Column headers of the ledger (the ledger itself is streamed page by page: it can be a million lines). */
export function ledgerHeader(lang: Lang): string {
  const t = TEXT[lang];
  return csvLine([
    'conversation_id',
    `${t.started} (UTC)`,
    'channel',
    t.team,
    t.agent,
    'queue',
    t.class,
    t.policy,
    'score',
    'passed',
    t.code,
    t.detail,
    t.oldestPending,
  ]);
}

/** The report's CSV files (besides the ledger), named as they go into the evidence pack. */
export function reportCsvs(r: ComplianceReport, lang: Lang): Record<string, string> {
  const t = TEXT[lang];
  const cls = (c: string) =>
    ({ inspected: t.inspected, not_applicable: t.notApplicable, failed: t.failed, pending: t.pending })[c] ?? c;
  const k = r.kpis;
  const kpiRows: Array<[string, number | null, number | null]> = [
    [t.received, r.coverage.totals.received, null],
    [t.scored, k.current.scored, k.previous.scored],
    [t.passRate, k.current.passRate, k.previous.passRate],
    [t.avgScore, k.current.avgScore, k.previous.avgScore],
    [t.fatalVerdicts, k.current.fatal, k.previous.fatal],
    [t.avgHandle, k.current.avgHandleS, k.previous.avgHandleS],
    [t.silenceRatio, k.current.silenceRatio, k.previous.silenceRatio],
    [t.overtalkPerCall, k.current.overtalkPerCall, k.previous.overtalkPerCall],
    [t.talkRatio, k.current.talkRatio, k.previous.talkRatio],
    [t.sentimentEnd, k.current.sentimentEnd, k.previous.sentimentEnd],
    [t.escalationRate, k.current.escalationRate, k.previous.escalationRate],
    [t.repeatRate, k.current.repeatContactRate, k.previous.repeatContactRate],
  ];
  return {
    'summary.csv': csv(
      [t.metric, t.thisPeriod, t.previousPeriod],
      [
        [t.period, `${r.period.from}..${r.period.to}`, `${r.previous.from}..${r.previous.to}`],
        [t.inspected, r.coverage.totals.inspected, null],
        [t.notApplicable, r.coverage.totals.notApplicable, null],
        [t.failed, r.coverage.totals.failed, null],
        [t.pending, r.coverage.totals.pending, null],
        ...kpiRows.map(([a, b, c]) => [a, fmtRate(b), fmtRate(c)]),
      ],
    ),
    'coverage-by-day.csv': csv(
      ['day', t.received, t.inspected, t.notApplicable, t.failed, t.pending],
      r.coverage.days.map((d) => [d.day, d.received, d.inspected, d.notApplicable, d.failed, d.pending]),
    ),
    'coverage-reasons.csv': csv(
      [t.class, t.code, t.detail, t.count],
      r.coverage.reasons.map((x) => [cls(x.accountedAs), x.code, x.detail, x.count]),
    ),
    'pass-rate-by-day.csv': csv(
      ['day', t.scored, t.passRate],
      r.passByDay.map((d) => [d.day, d.scored, fmtRate(d.passRate)]),
    ),
    'rules.csv': csv(
      [
        t.policy,
        'rule_id',
        t.rule,
        t.severity,
        'weight',
        t.evaluated,
        t.failed,
        t.failRate,
        `${t.previousFailRate} ${t.failed}`,
        `${t.previousFailRate} ${t.failRate}`,
        t.overturned,
      ],
      r.rules.map((x) => [
        x.policyId,
        x.ruleId,
        x.title,
        x.severity === 'fatal' ? t.fatalSeverity : t.standardSeverity,
        x.weight,
        x.evaluated,
        x.failed,
        fmtRate(x.failRate),
        x.previousFailed,
        fmtRate(x.previousFailRate),
        x.overturned,
      ]),
    ),
    'fatal-findings.csv': csv(
      [t.conversation, `${t.started} (UTC)`, t.team, t.agent, 'rule_id', t.rule, t.evidence, t.review],
      r.fatal.items.map((f) => [
        f.conversationId,
        f.startedAt,
        f.teamId,
        f.agentId,
        f.ruleId,
        f.title,
        f.evidence,
        f.reviewState,
      ]),
    ),
    'reviews.csv': csv(
      [t.metric, t.count],
      [
        [t.confirmed, r.reviews.confirmed],
        [t.overturnedFindings, r.reviews.overturned],
        [t.disputesOpen, r.reviews.disputes.open ?? 0],
        [t.disputesAccepted, r.reviews.disputes.accepted ?? 0],
        [t.disputesRejected, r.reviews.disputes.rejected ?? 0],
      ],
    ),
    'in-force.csv': csv(
      ['kind', 'id', t.version, t.hash, t.verdicts],
      [
        ...r.inForce.policies.map((p) => ['policy', p.policyId, p.version, p.hash, p.verdicts]),
        ...r.inForce.models.map((m) => ['model', m.task, '', m.model, m.verdicts]),
      ],
    ),
  };
}

/** Evidence of a finding as seconds, "12.3–15.0; 40.1–41.2" (places on the conversation clock, never text). */
export const evidenceTimes = (ev: Array<{ startMs: number; endMs: number }>) =>
  ev
    .slice(0, 5)
    .map((e) => `${(e.startMs / 1000).toFixed(1)}-${(e.endMs / 1000).toFixed(1)}`)
    .join('; ');
