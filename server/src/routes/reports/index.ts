import { z } from 'zod';
import { reportScope } from '../../authz/permissions';
import {
  createReport,
  deleteSchedule,
  listSchedules,
  runScheduleNow,
  saveSchedule,
  downloadReport,
  kpiReport,
  listReports,
  MAX_REPORT_DAYS,
  reportById,
  reportDeps,
  verifyUploadedPack,
} from '../../commands/reports';
import { HttpError } from '../../lib/errors';
import { KPI_GROUPS, KpiGroup, StoredReport } from '../../repositories/reports';
import { CADENCES } from '../../reporting/schedule';
import type { Services } from '../../services';
import { callerOf, defineRoute, RouteDef } from '../route';
import { errorResponses, errorSchema, idParams } from '../shared';

const day = z.iso.date();
const list = (what: string) =>
  z
    .string()
    .max(2000)
    .transform((v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(1).max(128)).max(50))
    .optional()
    .describe(`${what}, comma-separated; any of them matches`);
const kpiQuery = z
  .object({
    from: day,
    to: day.describe(`UTC date, inclusive; at most ${MAX_REPORT_DAYS} days after from`),
    groupBy: z
      .string()
      .max(100)
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(KPI_GROUPS)).max(3))
      .describe(`up to three of ${KPI_GROUPS.join(', ')}, comma-separated; none: one row of totals`),
    team: list('teams'),
    agent: list('agents'),
    queue: list('queues'),
    channel: list('channels'),
    policy: list('policy ids'),
    intent: list('intents'),
  })
  .strict();

const kpiFigures = {
  conversations: z.number(),
  scored: z.number(),
  notApplicable: z.number(),
  passed: z.number(),
  failed: z.number(),
  fatal: z.number(),
  passRate: z.number().nullable(),
  avgScore: z.number().nullable(),
  avgHandleS: z.number().nullable(),
  talkRatio: z.number().nullable().describe('agent talk / (agent + customer talk), calls'),
  silenceRatio: z.number().nullable(),
  avgLongestSilenceS: z.number().nullable(),
  overtalkPerCall: z.number().nullable(),
  overtalkRatio: z.number().nullable(),
  avgHoldS: z.number().nullable().describe('over conversations whose metadata gave a hold time'),
  agentWpm: z.number().nullable(),
  customerWpm: z.number().nullable(),
  sentimentStart: z.number().nullable().describe('customer, −1…1: mean of the first two scored turns'),
  sentimentEnd: z.number().nullable(),
  sentimentMin: z.number().nullable(),
  escalationRate: z.number().nullable(),
  repeatContactRate: z.number().nullable().describe('same customer (blind index) within 7 days before'),
  transfers: z.number(),
};
const group = z.record(z.string(), z.string()).describe('the groupBy values of this row');
const kpiAnswer = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.array(z.string()),
    kind: z.enum(['conversations', 'rules']),
    rows: z.array(
      z.union([
        z.object({ group, ...kpiFigures }),
        z.object({
          group,
          evaluated: z.number(),
          failed: z.number(),
          fatalFailed: z.number(),
          overturned: z.number(),
          failRate: z.number().nullable(),
        }),
      ]),
    ),
  })
  .meta({ id: 'Kpis' });

const reportBody = z
  .object({
    from: day,
    to: day,
    scope: z
      .object({
        kind: z.enum(['all', 'teams', 'queues', 'policy']),
        values: z.array(z.string().min(1).max(128)).max(50).default([]),
      })
      .strict()
      .default({ kind: 'all', values: [] }),
    languages: z
      .array(z.enum(['en', 'zh']))
      .min(1)
      .max(2)
      .default(['en', 'zh']),
  })
  .strict()
  .meta({ id: 'ReportRequest' });

const scheduleParams = z.object({ scheduleId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/) });
const scheduleBody = z
  .object({
    id: scheduleParams.shape.scheduleId.describe(
      'a name of your choice: saving the same id again changes that schedule',
    ),
    cadence: z
      .enum(CADENCES)
      .describe('daily: yesterday, at 01:15 UTC; weekly: last Monday–Sunday, Mondays; monthly: last month, on the 1st'),
    scope: reportBody.shape.scope,
    languages: reportBody.shape.languages,
  })
  .strict()
  .meta({ id: 'ReportSchedule' });
const scheduleSchema = z
  .object({
    id: z.string(),
    cadence: z.string(),
    scope: z.object({ kind: z.string(), values: z.array(z.string()) }),
    languages: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.string(),
    nextRunAt: z.string().nullable(),
  })
  .meta({ id: 'ReportScheduleState' });

const reportSchema = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    periodFrom: z.string(),
    periodTo: z.string(),
    scope: z.object({ kind: z.string(), values: z.array(z.string()) }),
    callerScope: z.string(),
    languages: z.array(z.string()),
    status: z.enum(['pending', 'ready', 'failed']),
    sha256: z.string().nullable().describe('of the evidence pack (zip) as downloaded'),
    sizeBytes: z.number().nullable(),
    summary: z.record(z.string(), z.unknown()).nullable(),
    requestedBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Report' });
const present = (r: StoredReport) => ({
  id: r.id,
  kind: r.kind,
  periodFrom: r.periodFrom,
  periodTo: r.periodTo,
  scope: r.scope,
  callerScope: r.callerScope,
  languages: r.languages,
  status: r.status,
  sha256: r.sha256,
  sizeBytes: r.sizeBytes,
  summary: r.summary,
  requestedBy: r.requestedBy,
  createdAt: r.createdAt.toISOString(),
});
const verification = z
  .object({
    ok: z.boolean(),
    problems: z.array(z.string()),
    signer: z.object({ subject: z.string(), signedAt: z.string().optional() }).optional(),
    manifest: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'PackVerification' });

/** a pack handed back for checking: at most this big */
const MAX_PACK_BYTES = 512 * 1024 * 1024;

/** KPIs for charts, compliance reports with their signed evidence packs, and checking a pack. */
export function reportRoutes(
  s: Pick<Services, 'config' | 'reports' | 'vault' | 'objects' | 'audit' | 'queue'>,
): RouteDef[] {
  const d = () => ({ ...reportDeps(s.reports, s.config), vault: s.vault, objects: s.objects });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/reports/kpis',
      summary:
        'Conversation KPIs and pass rates from the daily rollups, grouped and filtered; a supervisor sees their teams only',
      tags: ['reports'],
      auth: { action: 'report.read', deny: 403 },
      query: kpiQuery,
      responses: { 200: { description: 'rows', schema: kpiAnswer }, ...errorResponses },
      handler: async (ctx, { query }) => {
        const q = query as z.infer<typeof kpiQuery>;
        const r = await kpiReport(
          s,
          {
            from: q.from,
            to: q.to,
            groupBy: q.groupBy as KpiGroup[],
            teams: q.team,
            agents: q.agent,
            queues: q.queue,
            channels: q.channel,
            policies: q.policy,
            intents: q.intent,
          },
          reportScope(ctx.state.principal!),
        );
        ctx.body = { from: q.from, to: q.to, groupBy: q.groupBy, ...r };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/reports',
      summary:
        'Generate the compliance report for a period and scope (PDF per language, CSVs, coverage ledger) as a signed evidence pack, stored encrypted',
      tags: ['reports'],
      auth: { action: 'report.generate', deny: 403 },
      body: reportBody,
      responses: { 201: { description: 'the stored report', schema: reportSchema }, ...errorResponses },
      handler: async (ctx, { body }) => {
        const b = body as z.infer<typeof reportBody>;
        const r = await createReport(d(), callerOf(ctx), {
          from: b.from,
          to: b.to,
          scope: b.scope,
          languages: b.languages,
          callerScope: reportScope(ctx.state.principal!),
        });
        ctx.status = 201;
        ctx.body = present(r);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/reports',
      summary: 'Generated reports, newest first (all of them for a full view; otherwise the caller’s own)',
      tags: ['reports'],
      auth: { action: 'report.read', deny: 403 },
      responses: {
        200: { description: 'reports', schema: z.object({ items: z.array(reportSchema) }).meta({ id: 'ReportList' }) },
      },
      handler: async (ctx) => {
        const items = await listReports(s, callerOf(ctx), reportScope(ctx.state.principal!));
        ctx.body = { items: items.map(present) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/reports/schedules',
      summary: 'Report schedules with their next run (all for a full view; otherwise the caller’s own)',
      tags: ['reports'],
      auth: { action: 'report.read', deny: 403 },
      responses: {
        200: {
          description: 'schedules',
          schema: z.object({ items: z.array(scheduleSchema) }).meta({ id: 'ReportSchedules' }),
        },
      },
      handler: async (ctx) => {
        ctx.body = { items: await listSchedules(s, callerOf(ctx), reportScope(ctx.state.principal!)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/reports/schedules',
      summary: 'Create or change a scheduled report (daily, weekly, monthly per scope); a repeatable job runs it',
      tags: ['reports'],
      auth: { action: 'report.schedule', deny: 403 },
      body: scheduleBody,
      responses: { 200: { description: 'the schedule', schema: scheduleSchema }, ...errorResponses },
      handler: async (ctx, { body }) => {
        const b = body as z.infer<typeof scheduleBody>;
        ctx.body = await saveSchedule(s, callerOf(ctx), reportScope(ctx.state.principal!), b);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/reports/schedules/:scheduleId',
      summary: 'Delete a scheduled report (its repeatable job too)',
      tags: ['reports'],
      auth: { action: 'report.schedule', deny: 403 },
      params: scheduleParams,
      responses: { 204: { description: 'deleted' }, ...errorResponses },
      handler: async (ctx, { params }) => {
        const { scheduleId } = params as z.infer<typeof scheduleParams>;
        await deleteSchedule(s, callerOf(ctx), reportScope(ctx.state.principal!), scheduleId);
        ctx.status = 204;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/reports/schedules/:scheduleId/run',
      summary: 'Run a scheduled report now (for the period before now); the worker makes it',
      tags: ['reports'],
      auth: { action: 'report.schedule', deny: 403 },
      params: scheduleParams,
      responses: {
        202: { description: 'queued', schema: z.object({ jobId: z.string() }).meta({ id: 'ReportRunQueued' }) },
        ...errorResponses,
      },
      handler: async (ctx, { params }) => {
        const { scheduleId } = params as z.infer<typeof scheduleParams>;
        ctx.status = 202;
        ctx.body = { jobId: await runScheduleNow(s, callerOf(ctx), reportScope(ctx.state.principal!), scheduleId) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/reports/:id',
      summary: 'One generated report',
      tags: ['reports'],
      auth: { action: 'report.read', deny: 404 },
      params: idParams,
      responses: { 200: { description: 'the report', schema: reportSchema }, ...errorResponses },
      handler: async (ctx, { params }) => {
        const { id } = params as z.infer<typeof idParams>;
        ctx.body = present(await reportById(s, callerOf(ctx), reportScope(ctx.state.principal!), id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/reports/:id/pack',
      summary: 'Download the signed evidence pack (zip); audited',
      tags: ['reports'],
      auth: { action: 'report.read', deny: 404 },
      params: idParams,
      responses: {
        200: {
          description: 'the pack',
          content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
        },
        409: { description: 'not ready', schema: errorSchema },
        ...errorResponses,
      },
      handler: async (ctx, { params }) => {
        const { id } = params as z.infer<typeof idParams>;
        const r = await downloadReport(d(), callerOf(ctx), reportScope(ctx.state.principal!), id);
        ctx.type = 'application/zip';
        ctx.set('cache-control', 'no-store');
        ctx.set(
          'content-disposition',
          `attachment; filename="hotline-report-${r.report.periodFrom}-${r.report.periodTo}-${r.report.id.slice(0, 8)}.zip"`,
        );
        ctx.body = r.zip;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/reports/verify',
      summary:
        'Check an evidence pack (the zip as the body, application/zip) against the appliance CA: signature, every hash, nothing added or missing',
      tags: ['reports'],
      auth: { action: 'report.read', deny: 403 },
      requestBody: {
        required: true,
        content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
      },
      responses: {
        200: { description: 'the verification (ok false with the problems when it fails)', schema: verification },
        413: { description: 'too large', schema: errorSchema },
        415: { description: 'not application/zip', schema: errorSchema },
      },
      handler: async (ctx) => {
        if (!ctx.is('application/zip', 'application/octet-stream'))
          throw new HttpError(415, 'unsupported_media_type', 'send the pack as the body, content-type application/zip');
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of ctx.req) {
          size += (chunk as Buffer).length;
          if (size > MAX_PACK_BYTES)
            throw new HttpError(413, 'too_large', `a pack may be at most ${MAX_PACK_BYTES} bytes`);
          chunks.push(chunk as Buffer);
        }
        ctx.body = await verifyUploadedPack(reportDeps(s.reports, s.config), callerOf(ctx), Buffer.concat(chunks));
      },
    }),
  ];
}
