import { z } from 'zod';
import { actorOf, callerOf, defineRoute, RouteDef } from '../route';
import { coverageReport } from '../../commands/coverage';
import {
  activatePolicy,
  draftPolicy,
  parsePolicySource,
  policyVersion,
  regressPolicyVersion,
} from '../../commands/qa-policies';
import { reinspectionStatus, requestReinspection } from '../../commands/reinspect';
import {
  conversationVerdicts,
  decideDispute,
  disputeVerdict,
  reviewFinding,
  reviewQueue,
} from '../../commands/reviews';
import { DomainError } from '../../lib/errors';
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
import type { Services } from '../../services';
import { errorResponses, errorSchema, idParams } from '../shared';

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
  version: z.coerce.number().int().positive().max(2_147_483_647),
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

const reviewQueueQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

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

/** Verdicts, reviews and disputes, coverage, QA policy versions and re-inspection. */
export function inspectionRoutes(
  s: Pick<Services, 'config' | 'conversations' | 'inspections' | 'vault' | 'audit' | 'queue'>,
): RouteDef[] {
  const errors = errorResponses;

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
        const r = await conversationVerdicts(s, callerOf(ctx), id);
        ctx.body = { items: r.verdicts.map((v) => presentVerdict(v, r.findings, r.disputes, r.utterances)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/findings/review-queue',
      summary:
        'Failed findings nobody has reviewed yet, in the caller’s scope: fatal first, then the newest verdicts (reviewed ones leave it)',
      tags: ['inspection'],
      auth: { action: 'verdict.review', deny: 403 },
      query: reviewQueueQuery,
      responses: {
        200: {
          description: 'the queue',
          schema: z
            .object({
              items: z.array(
                z.object({
                  finding: findingSchema,
                  conversation: z.object({
                    id: z.uuid(),
                    startedAt: z.string(),
                    agentId: z.string().nullable(),
                    teamId: z.string().nullable(),
                    channel: z.string(),
                  }),
                  verdictAt: z.string(),
                }),
              ),
            })
            .meta({ id: 'ReviewQueue' }),
        },
        ...errors,
      },
      handler: async (ctx, { query }) => {
        const q = query as z.infer<typeof reviewQueueQuery>;
        const items = await reviewQueue(s, callerOf(ctx), q.limit);
        ctx.body = {
          items: items.map((x) => ({
            finding: presentFinding(x.finding, new Map()),
            conversation: { ...x.conversation, startedAt: x.conversation.startedAt.toISOString() },
            verdictAt: x.verdictAt.toISOString(),
          })),
        };
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
        const r = await reviewFinding(s, callerOf(ctx), id, b.decision, b.comment);
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
        const d = await disputeVerdict(s, callerOf(ctx), id, b.comment, s.config.HOTLINE_DISPUTE_WINDOW_DAYS);
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
        ctx.body = presentDispute(await decideDispute(s, callerOf(ctx), id, b.decision, b.comment, b.overturnFindings));
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
        const report = await coverageReport(
          s,
          query as z.infer<typeof coverageQuery>,
          s.config.HOTLINE_INSPECTION_SLA_S,
        );
        await ctx.state.audit('coverage.read', null, 'allowed', { details: { from: report.from, to: report.to } });
        ctx.body = report;
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
          const p = parsePolicySource(b.source);
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
          if (!(e instanceof DomainError && e.code === 'invalid_policy')) throw e;
          ctx.body = { valid: false, error: { ...(e.details as object), message: e.message } };
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
        const r = await draftPolicy(s, parsePolicySource(b.source), actorOf(ctx));
        ctx.status = r.created ? 201 : 200;
        ctx.body = presentPolicy(r.row);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:policyId/versions/:version',
      summary: 'One policy version with its text (YAML), to read it or compare two versions',
      tags: ['policies'],
      auth: { action: 'policy.read', deny: 403 },
      params: activateParams,
      responses: {
        200: {
          description: 'the version',
          schema: policyVersionSchema.extend({ source: z.string() }).meta({ id: 'PolicyVersionSource' }),
        },
        404: errors[404],
      },
      handler: async (ctx, { params }) => {
        const { policyId, version } = params as z.infer<typeof activateParams>;
        const row = await policyVersion(s, policyId, version);
        ctx.body = { ...presentPolicy(row), source: row.source };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/:policyId/versions/:version/regress',
      summary:
        'Replay the labelled cases (reviewed and disputed findings, the gold set) against a stored version without activating it',
      tags: ['policies'],
      auth: { action: 'policy.draft', deny: 403 },
      params: activateParams,
      responses: {
        200: { description: 'the regression report', schema: regressionSchema },
        404: errors[404],
      },
      handler: async (ctx, { params }) => {
        const { policyId, version } = params as z.infer<typeof activateParams>;
        ctx.body = await regressPolicyVersion(s, policyId, version, actorOf(ctx));
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
        const r = await activatePolicy(s, policyId, version, actorOf(ctx), b.reason, b.acceptRegressions);
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
        ctx.status = 202;
        ctx.body = await requestReinspection(s, callerOf(ctx), body as z.infer<typeof reinspectBody>);
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
        ctx.body = await reinspectionStatus(s, (params as { jobId: string }).jobId);
      },
    }),
  ];
}
