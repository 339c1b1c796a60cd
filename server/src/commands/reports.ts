import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { auditPaths, readCheckpoints } from '../audit/checkpoints';
import { Caller, systemCaller } from '../authz/visible';
import { Pki } from '../protection/pki';
import type { ObjectStore } from '../repositories/object-store';
import type { StoredReport } from '../repositories/reports';
import type { Vault } from '../repositories/vault';
import type { PipelineQueue } from '../repositories/queue';
import type { AuditLog } from '../repositories/audit-log';
import type { ReportJob } from '../pipeline/stages';
import { Cadence, CRON, periodFor } from '../reporting/schedule';
import { allRules, parsePolicy } from '../inspection/qa-policy';
import { DomainError, invalid } from '../lib/errors';
import { deriveKpis, KPI_MEASURES, KpiMeasure, Kpis } from '../reporting/kpis';
import {
  ComplianceReport,
  coverageFromGroups,
  evidenceTimes,
  Lang,
  ledgerHeader,
  reportCsvs,
  ReportScopeSpec,
  RuleLine,
} from '../reporting/compliance';
import { buildPack, PackSigner, PackVerification, verifyInstructions, verifyPack } from '../reporting/evidence-pack';
import { notoCjkFonts, renderReportPdf, ReportFonts } from '../reporting/report-pdf';
import type { KpiGroup, ReportFilter, ReportRepository } from '../repositories/reports';

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
/** a report covers at most this many days (a year and a day: leap years) */
export const MAX_REPORT_DAYS = 366;
/** fatal findings listed one by one (the CSV); beyond, the report says how many more */
const MAX_FATAL_ITEMS = 10_000;

export interface ReportDeps {
  reports: ReportRepository;
  /** the signed audit checkpoints file (var/audit/checkpoints.jsonl) */
  checkpointFile: string;
  fonts: () => ReportFonts;
  signer: () => PackSigner;
  /** the CA certificate packs are verified against (the appliance's internal CA) */
  caPem: () => string;
}

export interface ReportConfig {
  HOTLINE_VAR_DIR: string;
  HOTLINE_REPORT_SIGNING_CERT?: string;
  HOTLINE_REPORT_SIGNING_KEY?: string;
  HOTLINE_REPORT_FONT_DIR: string;
  HOTLINE_PKI_PASSPHRASE?: string;
}

/** The last certificate of a PEM chain (leaf first, CA last, as `hotline pki issue` writes it). */
const lastCert = (pem: string) => {
  const all = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  return all[all.length - 1] ?? pem;
};

/**
 * Where reports get their figures, fonts and signer: a configured signer certificate, or the appliance's own PKI
 * (<var>/pki, `report-signer` issued on first use). Fonts and keys are read when a report is made, not at boot.
 */
export function reportDeps(reports: ReportRepository, c: ReportConfig): ReportDeps {
  const pki = new Pki(path.join(c.HOTLINE_VAR_DIR, 'pki'), 'system:reports', c.HOTLINE_PKI_PASSPHRASE);
  return {
    reports,
    checkpointFile: auditPaths(c.HOTLINE_VAR_DIR).checkpointFile,
    fonts: () => notoCjkFonts(c.HOTLINE_REPORT_FONT_DIR),
    signer: () =>
      c.HOTLINE_REPORT_SIGNING_CERT && c.HOTLINE_REPORT_SIGNING_KEY
        ? {
            certPem: fs.readFileSync(c.HOTLINE_REPORT_SIGNING_CERT, 'utf8'),
            keyPem: fs.readFileSync(c.HOTLINE_REPORT_SIGNING_KEY, 'utf8'),
          }
        : pki.ensureSigner('report-signer'),
    caPem: () =>
      c.HOTLINE_REPORT_SIGNING_CERT
        ? lastCert(fs.readFileSync(c.HOTLINE_REPORT_SIGNING_CERT, 'utf8'))
        : (pki.ensureSigner('report-signer'), fs.readFileSync(pki.caCertFile, 'utf8')),
  };
}

/** Whose figures the caller may see: all, or teams/agents (authz/permissions.ts `reportScope`). */
export type CallerScope = ReportFilter['scope'];

export interface ReportRequest {
  from: string;
  to: string;
  scope: ReportScopeSpec;
  languages: Lang[];
  /** who asks (name for the report, scope for the figures) */
  by: string;
  callerScope: CallerScope;
}

function period(from: string, to: string) {
  const f = Date.parse(`${from}T00:00:00Z`);
  const t = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(f) || Number.isNaN(t)) throw invalid('invalid_period', 'from and to are dates, YYYY-MM-DD');
  if (f > t) throw invalid('invalid_period', 'from is after to');
  const days = (t - f) / DAY + 1;
  if (days > MAX_REPORT_DAYS) throw invalid('invalid_period', `a report covers at most ${MAX_REPORT_DAYS} days`);
  return { from, to, previous: { from: isoDay(f - days * DAY), to: isoDay(f - DAY) } };
}

/** The filter for a requested scope within what the caller may see; asking for another team is refused. */
export function reportFilter(from: string, to: string, scope: ReportScopeSpec, callerScope: CallerScope): ReportFilter {
  if (scope.kind !== 'all' && !scope.values.length)
    throw invalid('invalid_scope', `a scope of ${scope.kind} names at least one`);
  if (scope.kind === 'teams' && callerScope !== 'all') {
    const outside = scope.values.filter((t) => !callerScope.teams.includes(t));
    if (outside.length) throw new DomainError('not_found', 'not_found', `no team ${outside.join(', ')} in your scope`);
  }
  return {
    from,
    to,
    scope: callerScope,
    ...(scope.kind === 'teams' ? { teams: scope.values } : {}),
    ...(scope.kind === 'queues' ? { queues: scope.values } : {}),
    ...(scope.kind === 'policy' ? { policies: scope.values } : {}),
  };
}

const describeCaller = (s: CallerScope) =>
  s === 'all'
    ? 'all'
    : [s.teams.length ? `teams ${s.teams.join(', ')}` : '', s.agents.length ? `agents ${s.agents.join(', ')}` : '']
        .filter(Boolean)
        .join('; ') || 'none';

const ZERO_KPIS = (): Kpis =>
  deriveKpis(Object.fromEntries(KPI_MEASURES.map((m) => [m, 0])) as Record<KpiMeasure, number>);

async function totals(d: ReportDeps, f: ReportFilter): Promise<Kpis> {
  const [row] = await d.reports.kpis(f, []);
  if (row) return deriveKpis(row.sums);
  return ZERO_KPIS();
}

/** Gathers the report's figures: rollups for rates and trends, conversations only for the coverage accounting. */
export async function assembleReport(d: ReportDeps, req: ReportRequest, now = new Date()): Promise<ComplianceReport> {
  const p = period(req.from, req.to);
  const f = reportFilter(p.from, p.to, req.scope, req.callerScope);
  const prev = { ...f, from: p.previous.from, to: p.previous.to };
  // independent queries, each on a connection of its own
  const [grouped, ruleRows, prevRuleRows, fatal, reviews, current, previous, byDay] = await Promise.all([
    d.reports.coverageGroups(f),
    d.reports.ruleKpis(f, ['policy', 'rule']),
    d.reports.ruleKpis(prev, ['policy', 'rule']),
    d.reports.fatalFindings(f, MAX_FATAL_ITEMS + 1),
    d.reports.reviewOutcomes(f),
    totals(d, f),
    totals(d, prev),
    d.reports.kpis(f, ['day']),
  ]);
  const { days, reasons, inForce } = coverageFromGroups(grouped, now);
  const sum = (k: 'received' | 'inspected' | 'notApplicable' | 'failed' | 'pending') =>
    days.reduce((n, x) => n + x[k], 0);
  const oldest = days.map((x) => x.oldestPendingAgeS).filter((x): x is number => x !== null);

  const policyKeys = inForce
    .filter((x) => x.policyId && x.version)
    .map((x) => ({ policyId: x.policyId!, version: x.version! }));
  const rulesMeta = new Map<string, { title: string; fatal: boolean; weight: number }>();
  for (const src of await d.reports.policySources(policyKeys)) {
    const pol = parsePolicy(src.source, `${src.policyId}@v${src.version}`);
    for (const { rule } of allRules(pol.doc))
      rulesMeta.set(`${src.policyId}/${rule.id}`, { title: rule.title, fatal: rule.fatal, weight: rule.weight });
  }
  const prevRules = new Map(prevRuleRows.map((r) => [`${r.group.policy}/${r.group.rule}`, r.sums]));
  const rate = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(4)) : null);
  const rules: RuleLine[] = ruleRows.map((r) => {
    const key = `${r.group.policy}/${r.group.rule}`;
    const meta = rulesMeta.get(key);
    const pr = prevRules.get(key);
    return {
      policyId: r.group.policy!,
      ruleId: r.group.rule!,
      title: meta?.title ?? r.group.rule!,
      severity: r.sums.fatal_failed > 0 || meta?.fatal ? 'fatal' : 'standard',
      weight: meta?.weight ?? null,
      evaluated: r.sums.evaluated,
      failed: r.sums.failed,
      failRate: rate(r.sums.failed, r.sums.evaluated),
      previousFailed: pr?.failed ?? 0,
      previousFailRate: pr ? rate(pr.failed, pr.evaluated) : null,
      overturned: r.sums.overturned,
    };
  });
  rules.sort(
    (a, b) =>
      (a.severity === 'fatal' ? 0 : 1) - (b.severity === 'fatal' ? 0 : 1) ||
      b.failed - a.failed ||
      a.ruleId.localeCompare(b.ruleId),
  );

  const models = new Map<string, number>();
  for (const x of inForce)
    for (const [task, model] of Object.entries(x.models ?? {}))
      models.set(`${task}\u0000${model}`, (models.get(`${task}\u0000${model}`) ?? 0) + x.count);

  const checkpoints = readCheckpoints(d.checkpointFile);
  const end = Date.parse(`${p.to}T00:00:00Z`) + DAY;
  const covering = checkpoints.find((c) => Date.parse(c.at) >= end);
  const cp = covering ?? checkpoints[checkpoints.length - 1];

  const passByDay = byDay.map((r) => ({
    day: r.group.day!,
    scored: r.sums.scored,
    passed: r.sums.passed,
    passRate: rate(r.sums.passed, r.sums.scored),
  }));
  return {
    id: crypto.randomUUID(),
    period: { from: p.from, to: p.to },
    previous: p.previous,
    scope: req.scope,
    callerScope: describeCaller(req.callerScope),
    generatedAt: now.toISOString(),
    generatedBy: req.by,
    coverage: {
      totals: {
        received: sum('received'),
        inspected: sum('inspected'),
        notApplicable: sum('notApplicable'),
        failed: sum('failed'),
        pending: sum('pending'),
      },
      days: days.map(({ oldestPendingAgeS: _o, ...x }) => x),
      reasons,
      oldestPendingAgeS: oldest.length ? Math.max(...oldest) : null,
    },
    kpis: { current, previous },
    passByDay,
    rules,
    fatal: {
      total: fatal.length,
      items: fatal.slice(0, MAX_FATAL_ITEMS).map((x) => ({
        conversationId: x.conversationId,
        startedAt: x.startedAt.toISOString(),
        teamId: x.teamId,
        agentId: x.agentId,
        ruleId: x.ruleId,
        title: x.title,
        evidence: evidenceTimes(x.evidence),
        reviewState: x.reviewState,
      })),
    },
    reviews,
    inForce: {
      policies: inForce
        .filter((x) => x.policyId && x.version && x.hash)
        .reduce<ComplianceReport['inForce']['policies']>((acc, x) => {
          const same = acc.find((a) => a.policyId === x.policyId && a.version === x.version);
          if (same) same.verdicts += x.count;
          else acc.push({ policyId: x.policyId!, version: x.version!, hash: x.hash!, verdicts: x.count });
          return acc;
        }, []),
      notApplicableVerdicts: inForce.filter((x) => !x.policyId).reduce((n, x) => n + x.count, 0),
      models: [...models.entries()]
        .map(([k, n]) => {
          const [task, model] = k.split('\u0000');
          return { task, model, verdicts: n };
        })
        .sort((a, b) => a.task.localeCompare(b.task) || b.verdicts - a.verdicts),
    },
    checkpoint: cp
      ? {
          seq: cp.seq,
          hash: cp.hash,
          at: cp.at,
          keyId: cp.keyId,
          signature: cp.signature,
          coversPeriod: Boolean(covering),
        }
      : null,
  };
}

export interface EvidencePack {
  report: ComplianceReport;
  zip: Buffer;
  sha256: string;
  manifest: Record<string, unknown>;
  /** time spent per part, for the bench and the log (ms) */
  timings: Record<string, number>;
}

/** The report in each language as PDF and CSV, the ledger, a manifest, signed: the pack an auditor takes away. */
export async function generateEvidencePack(d: ReportDeps, req: ReportRequest, now = new Date()): Promise<EvidencePack> {
  if (!req.languages.length) throw invalid('invalid_languages', 'name at least one language: en, zh');
  const timings: Record<string, number> = {};
  const time = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[what] = Math.round(performance.now() - t0);
    }
  };
  const p = period(req.from, req.to);
  // the ledger (the database's work: every conversation, one CSV line each) runs beside the figures and the PDFs
  const ledger = time('ledger', async () =>
    Buffer.concat([
      Buffer.from(ledgerHeader('en').replace(/\r\n$/, '\n')),
      await d.reports.ledgerCsv(reportFilter(p.from, p.to, req.scope, req.callerScope), now),
    ]),
  );
  ledger.catch(() => undefined); // awaited below; an early failure of the figures must not leave it unhandled
  const report = await time('figures', () => assembleReport(d, req, now));
  const files: Record<string, Buffer> = { 'README.txt': Buffer.from(verifyInstructions()) };
  const fonts = d.fonts();
  for (const lang of req.languages) {
    files[`report-${lang}.pdf`] = await time(`pdf-${lang}`, () => renderReportPdf(report, lang, fonts));
    for (const [name, text] of Object.entries(reportCsvs(report, lang)))
      files[name.replace(/\.csv$/, `-${lang}.csv`)] = Buffer.from(text);
  }
  files['report.json'] = Buffer.from(JSON.stringify(report, null, 2) + '\n');
  files['coverage-ledger.csv'] = await ledger;
  const manifest = {
    kind: 'compliance-report',
    reportId: report.id,
    period: report.period,
    previousPeriod: report.previous,
    scope: report.scope,
    callerScope: report.callerScope,
    generatedAt: report.generatedAt,
    generatedBy: report.generatedBy,
    languages: req.languages,
    coverage: report.coverage.totals,
    policies: report.inForce.policies,
    models: report.inForce.models,
    auditCheckpoint: report.checkpoint,
  };
  const pack = await time('sign', async () => buildPack(files, manifest, d.signer(), now));
  return { report, ...pack, timings };
}

/** KPI groups and filters as the API takes them (the scope comes from the caller). */
export type KpiQuery = Omit<ReportFilter, 'scope'> & { groupBy: KpiGroup[] };

export async function kpiReport(d: Pick<ReportDeps, 'reports'>, q: KpiQuery, callerScope: CallerScope) {
  period(q.from, q.to);
  const f: ReportFilter = { ...q, scope: callerScope };
  if (q.groupBy.includes('rule')) {
    if (q.intents?.length || q.groupBy.includes('intent'))
      throw invalid('invalid_group', 'rules are not kept per intent: group or filter by intent without rule');
    const rows = await d.reports.ruleKpis(f, q.groupBy);
    return {
      kind: 'rules' as const,
      rows: rows.map((r) => ({
        group: r.group,
        evaluated: r.sums.evaluated,
        failed: r.sums.failed,
        fatalFailed: r.sums.fatal_failed,
        overturned: r.sums.overturned,
        failRate: r.sums.evaluated ? Number((r.sums.failed / r.sums.evaluated).toFixed(4)) : null,
      })),
    };
  }
  const rows = await d.reports.kpis(f, q.groupBy);
  return { kind: 'conversations' as const, rows: rows.map((r) => ({ group: r.group, ...deriveKpis(r.sums) })) };
}

// ---- stored reports, as the API and the scheduler use them

export interface StoreDeps {
  vault: Vault;
  objects: ObjectStore;
}

/** Generates the evidence pack, stores it encrypted, and records who asked (audited either way). */
export async function createReport(
  d: ReportDeps & StoreDeps,
  caller: Caller,
  req: Omit<ReportRequest, 'by' | 'callerScope'> & { callerScope: CallerScope; scheduleId?: string },
): Promise<StoredReport> {
  const object = { type: 'report' };
  try {
    const pack = await generateEvidencePack(d, { ...req, by: caller.principal.username });
    const stored = await d.reports.saveReport(d.vault, d.objects, {
      kind: 'compliance',
      periodFrom: pack.report.period.from,
      periodTo: pack.report.period.to,
      scope: req.scope,
      callerScope: pack.report.callerScope,
      languages: req.languages,
      requestedBy: caller.principal.username,
      scheduleId: req.scheduleId,
      zip: pack.zip,
      sha256: pack.sha256,
      summary: {
        reportId: pack.report.id,
        coverage: pack.report.coverage.totals,
        kpis: pack.report.kpis.current,
        timings: pack.timings,
      },
    });
    await caller.audit('report.generate', { ...object, id: stored.id }, 'allowed', {
      details: { period: `${stored.periodFrom}..${stored.periodTo}`, scope: req.scope, sha256: pack.sha256 },
    });
    return stored;
  } catch (e) {
    if (!(e instanceof DomainError))
      await caller.audit('report.generate', object, 'error', { reason: (e as Error).message.slice(0, 200) });
    throw e;
  }
}

/** A person with the whole view sees every report; anyone else only the reports they generated. */
const visibleTo = (r: StoredReport, caller: Caller, scope: CallerScope) =>
  scope === 'all' ? true : r.requestedBy === caller.principal.username;

export async function listReports(d: Pick<ReportDeps, 'reports'>, caller: Caller, scope: CallerScope, limit = 100) {
  return d.reports.listReports(limit, scope === 'all' ? undefined : caller.principal.username);
}

export async function reportById(d: Pick<ReportDeps, 'reports'>, caller: Caller, scope: CallerScope, id: string) {
  const r = await d.reports.getReport(id);
  if (!r || !visibleTo(r, caller, scope)) {
    await caller.audit('report.read', { type: 'report', id }, 'denied', {
      reason: r ? 'out of scope' : 'no such report',
    });
    throw new DomainError('not_found', 'not_found', 'report not found');
  }
  return r;
}

/** The stored pack's bytes; the download is an audit event. */
export async function downloadReport(
  d: Pick<ReportDeps, 'reports'> & StoreDeps,
  caller: Caller,
  scope: CallerScope,
  id: string,
): Promise<{ report: StoredReport; zip: Buffer }> {
  const report = await reportById(d, caller, scope, id);
  const zip = await d.reports.readPack(d.vault, d.objects, id);
  if (!zip) throw new DomainError('conflict', 'not_ready', `report ${id} is ${report.status}`);
  await caller.audit('report.download', { type: 'report', id }, 'allowed', { details: { sha256: report.sha256 } });
  return { report, zip };
}

/** Verifies a pack someone hands back (against the appliance CA); the check is an audit event. */
export async function verifyUploadedPack(
  d: Pick<ReportDeps, 'caPem'>,
  caller: Caller,
  zip: Buffer,
): Promise<PackVerification> {
  const v = verifyPack(zip, d.caPem());
  // the manifest is what was handed in: its report id is named only when it is one
  const claimed = v.manifest?.reportId;
  const id = typeof claimed === 'string' && /^[0-9a-f-]{36}$/.test(claimed) ? claimed : undefined;
  await caller.audit('report.verify', { type: 'report', id }, 'allowed', {
    details: { ok: v.ok, problems: v.problems.length, sha256: crypto.createHash('sha256').update(zip).digest('hex') },
  });
  return v;
}

// ---- schedules: BullMQ job schedulers fire them; the worker makes the report

export interface ScheduleRequest {
  id: string;
  cadence: Cadence;
  scope: ReportScopeSpec;
  languages: Lang[];
}

/** Creates or changes a schedule: the row, then its job scheduler (saving twice leaves one of each). Audited. */
export async function saveSchedule(
  d: Pick<ReportDeps, 'reports'> & { queue: PipelineQueue },
  caller: Caller,
  callerScope: CallerScope,
  req: ScheduleRequest,
) {
  // the same checks as a report made now (a supervisor cannot schedule another team's)
  reportFilter('2026-01-01', '2026-01-01', req.scope, callerScope);
  await d.reports.saveSchedule({
    id: req.id,
    cadence: req.cadence,
    scope: { spec: req.scope, caller: callerScope },
    languages: req.languages,
    createdBy: caller.principal.username,
  });
  await d.queue.upsertReportSchedule(req.id, CRON[req.cadence]);
  await caller.audit('report.schedule', { type: 'report_schedule', id: undefined }, 'allowed', {
    details: { schedule: req.id, cadence: req.cadence, scope: req.scope },
  });
  return (await listSchedules(d, caller, callerScope)).find((x) => x.id === req.id)!;
}

export async function listSchedules(
  d: Pick<ReportDeps, 'reports'> & { queue: PipelineQueue },
  caller: Caller,
  callerScope: CallerScope,
) {
  const rows = await d.reports.schedules(callerScope === 'all' ? undefined : caller.principal.username);
  const next = new Map((await d.queue.reportSchedulers()).map((x) => [x.id, x.next]));
  return rows.map((r) => ({
    id: r.id,
    cadence: r.cadence,
    scope: r.scope.spec,
    languages: r.languages,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    nextRunAt: next.get(r.id) ? new Date(next.get(r.id)!).toISOString() : null,
  }));
}

/** A schedule the caller may change: any for the full view, else only their own; otherwise "not found". */
async function ownSchedule(d: Pick<ReportDeps, 'reports'>, caller: Caller, callerScope: CallerScope, id: string) {
  const mine = await d.reports.schedules(callerScope === 'all' ? undefined : caller.principal.username);
  if (!mine.some((x) => x.id === id)) throw new DomainError('not_found', 'not_found', 'report schedule not found');
}

export async function deleteSchedule(
  d: Pick<ReportDeps, 'reports'> & { queue: PipelineQueue },
  caller: Caller,
  callerScope: CallerScope,
  id: string,
) {
  await ownSchedule(d, caller, callerScope, id);
  await d.reports.deleteSchedule(id);
  await d.queue.removeReportSchedule(id);
  await caller.audit('report.unschedule', { type: 'report_schedule' }, 'allowed', { details: { schedule: id } });
}

export async function runScheduleNow(
  d: Pick<ReportDeps, 'reports'> & { queue: PipelineQueue },
  caller: Caller,
  callerScope: CallerScope,
  id: string,
): Promise<string> {
  await ownSchedule(d, caller, callerScope, id);
  const jobId = await d.queue.runReportNow(id);
  await caller.audit('report.schedule.run', { type: 'job', id: jobId }, 'allowed', { details: { schedule: id } });
  return jobId;
}

/**
 * A fired (or run-now) schedule, in the worker: the period before `now` for its cadence, the scope and view of the
 * person who made the schedule, the report stored like any other. A schedule deleted meanwhile does nothing.
 */
export async function runScheduledReport(
  d: ReportDeps & StoreDeps & { audit: AuditLog },
  job: ReportJob,
  now = new Date(),
): Promise<StoredReport | null> {
  const sch = (await d.reports.schedules()).find((x) => x.id === job.scheduleId);
  if (!sch) return null;
  const period = periodFor(sch.cadence as Cadence, now);
  const caller = systemCaller(d.audit, {
    actorId: `schedule:${sch.id}`,
    actorName: `report schedule ${sch.id} (${sch.createdBy})`,
    username: sch.createdBy,
  });
  return createReport(d, caller, {
    ...period,
    scope: sch.scope.spec as ReportScopeSpec,
    languages: sch.languages as Lang[],
    callerScope: sch.scope.caller as CallerScope,
    scheduleId: sch.id,
  });
}
