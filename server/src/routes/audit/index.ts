import { z } from 'zod';
import { auditCheckpoints, searchAudit, verifyAudit } from '../../commands/audit';
import type { Services } from '../../services';
import { callerOf, defineRoute, RouteDef } from '../route';
import { errorResponses } from '../shared';

const searchQuery = z
  .object({
    actor: z.string().trim().min(1).max(256).optional().describe('actor id or name, exactly'),
    action: z.string().trim().min(1).max(64).optional().describe('action, or the start of one (e.g. "report.")'),
    objectId: z.string().trim().min(1).max(128).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    beforeSeq: z.coerce.number().int().positive().optional().describe('the next page: events before this one'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const eventSchema = z
  .object({
    seq: z.number(),
    at: z.string(),
    actorId: z.string(),
    actorName: z.string().nullable(),
    roles: z.array(z.string()),
    action: z.string(),
    objectType: z.string().nullable(),
    objectId: z.string().nullable(),
    reason: z.string().nullable(),
    outcome: z.enum(['allowed', 'denied', 'error']),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });
const verifySchema = z
  .object({
    ok: z.boolean(),
    rows: z.number(),
    lastSeq: z.number(),
    lastHash: z.string(),
    checkpointsVerified: z.number(),
    problems: z.array(z.object({ seq: z.number(), kind: z.string(), detail: z.string() })),
  })
  .meta({ id: 'AuditVerification' });

/** The audit trail for auditors and compliance officers: search, verify the chain and checkpoints, download them. */
export function auditRoutes(s: Pick<Services, 'audit' | 'config'>): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/events',
      summary: 'Audit events, newest first, by actor, action (prefix), object and time; the search is audited too',
      tags: ['audit'],
      auth: { action: 'audit.read', deny: 403 },
      query: searchQuery,
      responses: {
        200: { description: 'events', schema: z.object({ items: z.array(eventSchema) }).meta({ id: 'AuditEvents' }) },
        ...errorResponses,
      },
      handler: async (ctx, { query }) => {
        const rows = await searchAudit(s, callerOf(ctx), query as z.infer<typeof searchQuery>);
        ctx.body = {
          items: rows.map(({ prevHash: _p, ...r }) => ({ ...r, at: r.at.toISOString() })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/audit/verify',
      summary: 'Verify the whole hash chain and the signed checkpoints now; every problem with its row',
      tags: ['audit'],
      auth: { action: 'audit.read', deny: 403 },
      responses: { 200: { description: 'the verification', schema: verifySchema } },
      handler: async (ctx) => {
        ctx.body = await verifyAudit(s, callerOf(ctx));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/checkpoints',
      summary: 'The signed checkpoints (JSON lines), the file a third party keeps',
      tags: ['audit'],
      auth: { action: 'audit.read', deny: 403 },
      responses: {
        200: { description: 'checkpoints', content: { 'application/jsonl': { schema: { type: 'string' } } } },
      },
      handler: async (ctx) => {
        ctx.type = 'application/jsonl';
        ctx.set('content-disposition', 'attachment; filename="audit-checkpoints.jsonl"');
        ctx.body = await auditCheckpoints(s, callerOf(ctx));
      },
    }),
  ];
}
