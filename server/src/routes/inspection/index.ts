import { z } from 'zod';
import { defineRoute, RouteDef } from '../../app/route';
import { conversationScope } from '../../authz/policy';
import { activatePolicy, draftPolicy, RegressionReport } from '../../commands/policies';
import { toInspectUtterance } from '../../inspection/transcript';
import { parsePolicy } from '../../inspection/policy';
import { HttpError, notFound } from '../../lib/errors';
import { YamlFileError } from '../../lib/yaml-file';
import {
  disputeSchema,
  findingSchema,
  policyVersionSchema,
  presentDispute,
  presentFinding,
  presentPolicy,
  presentVerdict,
  verdictSchema,
} from '../../presenters/verdict';
import { openUtterances } from '../../protection/sealed-transcript';
import { PolicyConflictError, ReviewError } from '../../repositories/inspections';
import type { Services } from '../../services';
import { errorSchema, openKeyOrGone } from '../conversations';
import type { Context } from 'koa';

const idParams = z.object({ id: z.uuid() });
const comment = (what: string) => z.string().trim().min(10, `${what} (at least 10 characters)`).max(2000);
const reviewBody = z
  .object({ decision: z.enum(['confirm', 'overturn']), comment: comment('say why') })
  .strict()
  .meta({ id: 'FindingReview' });
const disputeBody = z
  .object({ comment: comment('explain what is wrong with the verdict') })
  .strict()
  .meta({ id: 'DisputeRequest' });
const decisionBody = z
  .object({
    decision: z.enum(['accepted', 'rejected']),
    comment: comment('say why'),
    overturnFindings: z.array(z.uuid()).max(200).optional(),
  })
  .strict()
  .meta({ id: 'DisputeDecision' });
const policySourceBody = z
  .object({
    source: z
      .string()
      .min(1)
      .max(256 * 1024),
  })
  .strict()
  .meta({ id: 'PolicySource' });
const activateParams = z.object({
  policyId: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/),
  version: z.coerce.number().int().positive(),
});
const activateBody = z
  .object({ reason: comment('state why this version is approved'), acceptRegressions: z.boolean().default(false) })
  .strict()
  .meta({ id: 'PolicyActivation' });
const day = z.iso.date();
const coverageQuery = z
  .object({ from: day.optional(), to: day.optional() })
  .describe('UTC dates, to inclusive; default the last 7 days');
const reinspectBody = z
  .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .strict()
  .meta({ id: 'ReinspectRequest' });

const regressionSchema = z
  .object({
    policy: z.string(),
    cases: z.number(),
    agree: z.number(),
    disagree: z.array(
      z.object({
        conversationId: z.string(),
        ruleId: z.string(),
        expected: z.string(),
        got: z.string(),
        source: z.string(),
      }),
    ),
    skipped: z.array(z.object({ conversationId: z.string(), ruleId: z.string(), why: z.string() })),
  })
  .meta({ id: 'RegressionReport' });
const coverageSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    slaS: z.number(),
    alarm: z.object({
      state: z.enum(['ok', 'alarm']),
      pendingPastSla: z.number(),
      oldestPendingAgeS: z.number().nullable(),
    }),
    totals: z.object({
      received: z.number(),
      inspected: z.number(),
      notApplicable: z.number(),
      failed: z.number(),
      pending: z.number(),
    }),
    days: z.array(
      z.object({
        day: z.string(),
        queue: z.string().nullable(),
        received: z.number(),
        inspected: z.number(),
        notApplicable: z.object({
          count: z.number(),
          reasons: z.array(
            z.object({ code: z.string(), reason: z.string().describe('one example of the reason'), count: z.number() }),
          ),
        }),
        failed: z.object({
          count: z.number(),
          errors: z.array(z.object({ stage: z.string(), error: z.string(), count: z.number() })),
        }),
        pending: z.object({ count: z.number(), oldestAgeS: z.number().nullable() }),
      }),
    ),
  })
  .meta({ id: 'Coverage' });

const asHttp = (e: unknown): never => {
  if (e instanceof ReviewError)
    throw new HttpError(e.status, e.code, e.message, (e as ReviewError & { regression?: RegressionReport }).regression);
  throw e;
};

const actorOf = (ctx: Context) => {
  const p = ctx.state.principal!;
  return { actorId: p.sub, actorName: p.username, roles: p.roles, requestId: ctx.state.requestId as string };
};

/** Verdicts, reviews and disputes, coverage, QA policy versions and re-inspection. */
export function inspectionRoutes(s: Services): RouteDef[] {
  const errors = {
    404: { description: 'not found', schema: errorSchema },
    422: { description: 'invalid input', schema: errorSchema },
  };

  /** A finding or verdict's conversation must lie in the caller's scope; otherwise it does not exist for them. */
  const visibleConversation = async (ctx: Context, conversationId: string, action: string) => {
    const c = await s.conversations.findVisible(conversationId, conversationScope(ctx.state.principal!));
    if (!c) {
      await ctx.state.audit(action, { type: 'conversation', id: conversationId }, 'denied', {
        details: { why: 'missing or outside scope' },
      });
      throw notFound('conversation');
    }
    return c;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations/:id/verdicts',
      summary:
        'Verdicts of a conversation (current first; earlier ones kept after re-inspection) with findings, evidence as masked text, reviews and disputes',
      tags: ['inspection'],
      auth: { action: 'verdict.read', deny: 404 },
      params: idParams,
      responses: {
        200: {
          description: 'verdicts',
          schema: z.object({ items: z.array(verdictSchema) }).meta({ id: 'VerdictList' }),
        },
        ...errors,
      },
      handler: async (ctx, { params }) => {
        const { id } = params as z.infer<typeof idParams>;
        const c = await visibleConversation(ctx, id, 'verdict.read');
        await ctx.state.audit('verdict.read', { type: 'conversation', id }, 'allowed');
        const verdicts = await s.inspections.verdicts(id);
        const ids = verdicts.map((v) => v.id);
        const [findings, disputes, rows, key] = await Promise.all([
          s.inspections.findings(ids),
          s.inspections.disputes(ids),
          s.conversations.utterances(id),
          openKeyOrGone(s, c.keyId),
        ]);
        const utterances = new Map(
          (key ? openUtterances(s.vault, key, rows, 'masked') : []).map((u) => [u.id, toInspectUtterance(u)]),
        );
        ctx.body = { items: verdicts.map((v) => presentVerdict(v, findings, disputes, utterances)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/findings/:id/review',
      summary:
        'Confirm or overturn a finding (QA analyst, supervisor); the verdict’s final score is recomputed and the finding becomes a labelled regression case',
      tags: ['inspection'],
      auth: { action: 'verdict.review', deny: 403 },
      params: idParams,
      body: reviewBody,
      responses: {
        200: {
          description: 'the reviewed finding',
          schema: z
            .object({ finding: findingSchema, finalScore: z.number().nullable(), finalPassed: z.boolean().nullable() })
            .meta({ id: 'ReviewAnswer' }),
        },
        409: { description: 'conflict', schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params, body }) => {
        const { id } = params as z.infer<typeof idParams>;
        const b = body as z.infer<typeof reviewBody>;
        const f = await s.inspections.finding(id);
        if (!f) throw notFound('finding');
        await visibleConversation(ctx, f.conversationId, 'verdict.review');
        const state = b.decision === 'confirm' ? 'confirmed' : 'overturned';
        await ctx.state.audit('verdict.review', { type: 'finding', id }, 'allowed', {
          reason: b.comment,
          details: { conversationId: f.conversationId, ruleId: f.ruleId, result: f.result, decision: state },
        });
        const r = await s.inspections.review(id, state, ctx.state.principal!.username, b.comment).catch(asHttp);
        ctx.body = {
          finding: presentFinding(r.finding, new Map()),
          finalScore: r.verdict.finalScore,
          finalPassed: r.verdict.finalPassed,
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/verdicts/:id/disputes',
      summary: 'An agent disputes a verdict of their own conversation, within the dispute window',
      tags: ['inspection'],
      auth: { action: 'verdict.dispute', deny: 403 },
      params: idParams,
      body: disputeBody,
      responses: {
        201: { description: 'the dispute', schema: disputeSchema },
        409: { description: 'window closed, already open, or not disputable', schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params, body }) => {
        const { id } = params as z.infer<typeof idParams>;
        const b = body as z.infer<typeof disputeBody>;
        const v = await s.inspections.verdict(id);
        if (!v) throw notFound('verdict');
        await visibleConversation(ctx, v.conversationId, 'verdict.dispute');
        const d = await s.inspections
          .openDispute(v, ctx.state.principal!.username, b.comment, s.config.HOTLINE_DISPUTE_WINDOW_DAYS)
          .catch(asHttp);
        await ctx.state.audit('verdict.dispute', { type: 'verdict', id }, 'allowed', {
          reason: b.comment,
          details: { conversationId: v.conversationId, disputeId: d.id },
        });
        ctx.status = 201;
        ctx.body = presentDispute(d);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/disputes/:id/decision',
      summary:
        'A supervisor or QA analyst decides a dispute; findings named in overturnFindings are overturned with it',
      tags: ['inspection'],
      auth: { action: 'verdict.review', deny: 403 },
      params: idParams,
      body: decisionBody,
      responses: {
        200: { description: 'the decided dispute', schema: disputeSchema },
        409: { description: 'already decided', schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params, body }) => {
        const { id } = params as z.infer<typeof idParams>;
        const b = body as z.infer<typeof decisionBody>;
        const d = await s.inspections.dispute(id);
        if (!d) throw notFound('dispute');
        await visibleConversation(ctx, d.conversationId, 'verdict.review');
        const who = ctx.state.principal!.username;
        if (d.raisedBy === who)
          throw new HttpError(
            409,
            'own_dispute',
            'a dispute is decided by someone other than the person who raised it',
          );
        const own = new Set((await s.inspections.findings([d.verdictId])).map((f) => f.id));
        const strange = (b.overturnFindings ?? []).filter((f) => !own.has(f));
        if (strange.length)
          throw new HttpError(422, 'invalid_findings', `finding(s) not in the disputed verdict: ${strange.join(', ')}`);
        await ctx.state.audit('verdict.dispute.decide', { type: 'dispute', id }, 'allowed', {
          reason: b.comment,
          details: {
            conversationId: d.conversationId,
            decision: b.decision,
            overturned: b.overturnFindings?.length ?? 0,
          },
        });
        const decided = await s.inspections.decideDispute(id, b.decision, who, b.comment).catch(asHttp);
        if (b.decision === 'accepted') {
          for (const f of b.overturnFindings ?? [])
            await s.inspections.review(f, 'overturned', who, `dispute ${id} accepted: ${b.comment}`);
        }
        ctx.body = presentDispute(decided);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/inspection/coverage',
      summary:
        'Coverage per day and queue: received = inspected + not applicable (with reasons) + failed (with errors) + pending (oldest age); alarm when anything waits past the SLA',
      tags: ['inspection'],
      auth: { action: 'coverage.read', deny: 403 },
      query: coverageQuery,
      responses: { 200: { description: 'coverage', schema: coverageSchema }, 422: errors[422] },
      handler: async (ctx, { query }) => {
        const q = query as z.infer<typeof coverageQuery>;
        const now = new Date();
        const to = q.to
          ? new Date(`${q.to}T00:00:00Z`)
          : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
        const from = q.from ? new Date(`${q.from}T00:00:00Z`) : new Date(to.getTime() - 6 * 86_400_000);
        if (from > to) throw new HttpError(422, 'invalid_period', 'from is after to');
        const end = new Date(to.getTime() + 86_400_000);
        const days = await s.inspections.coverage(from, end, now);
        const sla = s.config.HOTLINE_INSPECTION_SLA_S;
        const pending = await s.inspections.pendingAlarm(sla, now);
        const totals = days.reduce(
          (a, d) => ({
            received: a.received + d.received,
            inspected: a.inspected + d.inspected,
            notApplicable: a.notApplicable + d.notApplicable.count,
            failed: a.failed + d.failed.count,
            pending: a.pending + d.pending.count,
          }),
          { received: 0, inspected: 0, notApplicable: 0, failed: 0, pending: 0 },
        );
        await ctx.state.audit('coverage.read', null, 'allowed', {
          details: { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) },
        });
        ctx.body = {
          from: from.toISOString().slice(0, 10),
          to: to.toISOString().slice(0, 10),
          slaS: sla,
          alarm: {
            state: pending.pastSla ? 'alarm' : 'ok',
            pendingPastSla: pending.pastSla,
            oldestPendingAgeS: pending.oldestAgeS,
          },
          totals,
          days,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/policies',
      summary: 'QA policy versions (draft, active, retired)',
      tags: ['policies'],
      auth: { action: 'policy.read', deny: 403 },
      responses: {
        200: {
          description: 'policy versions',
          schema: z.object({ items: z.array(policyVersionSchema) }).meta({ id: 'PolicyList' }),
        },
      },
      handler: async (ctx) => {
        ctx.body = { items: (await s.inspections.listPolicies()).map(presentPolicy) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/validate',
      summary: 'Validate a policy pack without storing it: errors name line, column, field and problem',
      tags: ['policies'],
      auth: { action: 'policy.draft', deny: 403 },
      body: policySourceBody,
      responses: {
        200: {
          description: 'validation result',
          schema: z
            .object({
              valid: z.boolean(),
              policy: z.object({ id: z.string(), version: z.number(), hash: z.string(), rules: z.number() }).optional(),
              error: z
                .object({
                  line: z.number(),
                  column: z.number(),
                  field: z.string(),
                  problem: z.string(),
                  message: z.string(),
                })
                .optional(),
            })
            .meta({ id: 'PolicyValidation' }),
        },
        422: errors[422],
      },
      handler: async (ctx, { body }) => {
        const b = body as z.infer<typeof policySourceBody>;
        try {
          const p = parsePolicy(b.source, 'policy.yaml');
          ctx.body = {
            valid: true,
            policy: {
              id: p.doc.id,
              version: p.doc.version,
              hash: p.hash,
              rules: p.doc.sections.reduce((a, x) => a + x.rules.length, 0),
            },
          };
        } catch (e) {
          if (!(e instanceof YamlFileError)) throw e;
          ctx.body = {
            valid: false,
            error: { line: e.line, column: e.col, field: e.field, problem: e.problem, message: e.message },
          };
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies',
      summary:
        'Store a policy version as a draft (a new version number for every change); it takes effect when activated',
      tags: ['policies'],
      auth: { action: 'policy.draft', deny: 403 },
      body: policySourceBody,
      responses: {
        201: { description: 'stored as draft', schema: policyVersionSchema },
        200: { description: 'this exact version exists already', schema: policyVersionSchema },
        409: { description: 'the version exists with other content', schema: errorSchema },
        422: errors[422],
      },
      handler: async (ctx, { body }) => {
        const b = body as z.infer<typeof policySourceBody>;
        let p;
        try {
          p = parsePolicy(b.source, 'policy.yaml');
        } catch (e) {
          if (!(e instanceof YamlFileError)) throw e;
          throw new HttpError(422, 'invalid_policy', e.message, {
            line: e.line,
            column: e.col,
            field: e.field,
            problem: e.problem,
          });
        }
        const r = await draftPolicy(s, p, actorOf(ctx)).catch((e: unknown) => {
          if (e instanceof PolicyConflictError) throw new HttpError(409, 'version_exists', e.message);
          throw e;
        });
        ctx.status = r.created ? 201 : 200;
        ctx.body = presentPolicy(r.row);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/:policyId/versions/:version/activate',
      summary:
        'Activate a policy version (policy:approve). The labelled cases are replayed first; regressions refuse activation unless accepted explicitly',
      tags: ['policies'],
      auth: { action: 'policy.approve', deny: 403 },
      params: activateParams,
      body: activateBody,
      responses: {
        200: {
          description: 'activated',
          schema: z
            .object({
              policyId: z.string(),
              version: z.number(),
              previous: z.number().nullable(),
              regression: regressionSchema,
            })
            .meta({ id: 'PolicyActivated' }),
        },
        409: { description: 'regressions, or already active (details: the regression report)', schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params, body }) => {
        const { policyId, version } = params as z.infer<typeof activateParams>;
        const b = body as z.infer<typeof activateBody>;
        const r = await activatePolicy(s, policyId, version, actorOf(ctx), b.reason, b.acceptRegressions).catch(asHttp);
        ctx.body = { policyId, version, previous: r.previous, regression: r.regression };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/inspection/reinspect',
      summary:
        'Re-inspect every inspected conversation that started in a period against the policies active now (background job); old verdicts stay',
      tags: ['inspection'],
      auth: { action: 'policy.approve', deny: 403 },
      body: reinspectBody,
      responses: {
        202: { description: 'queued', schema: z.object({ jobId: z.string() }).meta({ id: 'ReinspectQueued' }) },
        422: errors[422],
      },
      handler: async (ctx, { body }) => {
        const b = body as z.infer<typeof reinspectBody>;
        if (Date.parse(b.from) >= Date.parse(b.to))
          throw new HttpError(422, 'invalid_period', 'from must be before to');
        const job = await s.queue
          .reinspection()
          .add(
            'reinspect',
            { from: b.from, to: b.to, requestedBy: ctx.state.principal!.username },
            { removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 7 * 86_400 } },
          );
        await ctx.state.audit('inspection.reinspect', { type: 'job', id: String(job.id) }, 'allowed', {
          details: { from: b.from, to: b.to },
        });
        ctx.status = 202;
        ctx.body = { jobId: String(job.id) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/inspection/reinspect/:jobId',
      summary: 'Progress and result of a re-inspection job',
      tags: ['inspection'],
      auth: { action: 'policy.approve', deny: 403 },
      params: z.object({ jobId: z.string().regex(/^\d{1,20}$/, 'a job id as returned when the job was queued') }),
      responses: {
        200: {
          description: 'job state',
          schema: z
            .object({
              jobId: z.string(),
              state: z.string(),
              progress: z.unknown(),
              result: z.unknown(),
              error: z.string().nullable(),
            })
            .meta({ id: 'ReinspectStatus' }),
        },
        ...errors,
      },
      handler: async (ctx, { params }) => {
        const { jobId } = params as { jobId: string };
        const job = await s.queue.reinspection().getJob(jobId);
        if (!job) throw notFound('job');
        ctx.body = {
          jobId,
          state: await job.getState(),
          progress: job.progress,
          result: job.returnvalue ?? null,
          error: job.failedReason ?? null,
        };
      },
    }),
  ];
}
