import { z } from 'zod';
import { listFailed, retryFailed } from '../../commands/jobs';
import type { Services } from '../../services';
import { actorOf, defineRoute, RouteDef } from '../route';
import { errorSchema } from '../shared';

const failedSchema = z
  .object({
    items: z.array(
      z.object({ id: z.uuid(), stage: z.string().nullable(), reason: z.string().nullable(), since: z.string() }),
    ),
  })
  .meta({ id: 'FailedConversations' });
const retryBody = z
  .union([
    z.object({ conversationIds: z.array(z.uuid()).min(1).max(10_000) }).strict(),
    z.object({ all: z.literal(true) }).strict(),
  ])
  .meta({ id: 'RetryRequest' });
const retryAnswer = z
  .object({ retried: z.array(z.uuid()), skipped: z.array(z.object({ id: z.string(), why: z.string() })) })
  .meta({ id: 'RetryAnswer' });

/** Conversations that failed for good, and putting them back into the pipeline (admin; no content is shown). */
export function jobRoutes(s: Pick<Services, 'conversations' | 'queue' | 'audit'>): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/system/jobs/failed',
      summary: 'Conversations that failed for good: id, stage and error (no content)',
      tags: ['system'],
      auth: { action: 'system.admin', deny: 403 },
      responses: { 200: { description: 'failed conversations, oldest first', schema: failedSchema } },
      handler: async (ctx) => {
        const items = await listFailed(s);
        await ctx.state.audit('jobs.list_failed', null, 'allowed', { details: { count: items.length } });
        ctx.body = { items: items.map((i) => ({ ...i, since: i.since.toISOString() })) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/system/jobs/retry',
      summary: 'Put failed conversations (named, or all) back into the pipeline at the stage that failed; audited',
      tags: ['system'],
      auth: { action: 'system.admin', deny: 403 },
      body: retryBody,
      responses: {
        200: { description: 'what was retried and what was skipped', schema: retryAnswer },
        409: { description: 'none of the named conversations is failed', schema: errorSchema },
        422: { description: 'invalid input', schema: errorSchema },
      },
      handler: async (ctx, { body }) => {
        const b = body as z.infer<typeof retryBody>;
        ctx.body = await retryFailed(s, actorOf(ctx), 'conversationIds' in b ? b.conversationIds : undefined);
      },
    }),
  ];
}
