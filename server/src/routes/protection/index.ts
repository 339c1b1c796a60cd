import { z } from 'zod';
import { actorOf, callerOf, defineRoute, RouteDef } from '../route';
import { keyStatus } from '../../commands/keys';
import { eraseSubject, setConversationLegalHold, setSubjectLegalHold } from '../../commands/retention';
import type { Services } from '../../services';
import { errorSchema, idParams, reasonSchema } from '../shared';

const reason = reasonSchema('state the reason (at least 10 characters), e.g. the request or case number');
const eraseBody = z
  .object({ customerRef: z.string().trim().min(1).max(256), reason })
  .strict()
  .meta({ id: 'EraseSubjectRequest' });
const subjectHoldBody = z
  .object({ customerRef: z.string().trim().min(1).max(256), hold: z.boolean(), reason })
  .strict()
  .meta({ id: 'SubjectLegalHold' });
const conversationHoldBody = z.object({ hold: z.boolean(), reason }).strict().meta({ id: 'ConversationLegalHold' });

const keyStatusSchema = z
  .object({
    kekId: z.string(),
    cipher: z.string(),
    activeVersion: z.number(),
    dataKeysByKekVersion: z.array(z.object({ version: z.number(), keys: z.number() })),
    pendingRewrap: z.number().describe('data keys wrapped by a KEK version below the active one'),
    subjectKeys: z.number(),
    destroyedKeys: z.number(),
  })
  .meta({ id: 'KeyStatus' });

/** Key management status (admin), legal holds and erasure (compliance: `retention:manage`). */
export function protectionRoutes(
  s: Pick<Services, 'conversations' | 'vault' | 'audit' | 'retention' | 'objects'>,
): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/system/keys',
      summary: 'Key status: active KEK version, data keys per version, rewrap progress (no key material)',
      tags: ['system'],
      auth: { action: 'system.admin', deny: 403 },
      responses: { 200: { description: 'status', schema: keyStatusSchema } },
      handler: async (ctx) => {
        const st = await keyStatus(s);
        await ctx.state.audit('system.keys.read', null, 'allowed');
        ctx.body = st;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/subjects/erase',
      summary:
        "Right to erasure: crypto-shred a customer subject (every conversation's key destroyed, audio deleted, identifiers unindexed)",
      tags: ['retention'],
      auth: { action: 'subject.erase', deny: 403 },
      body: eraseBody,
      responses: {
        200: {
          description: 'erased',
          schema: z.object({ subjectId: z.uuid(), conversations: z.number() }).meta({ id: 'Erasure' }),
        },
        404: { description: 'no subject with this reference', schema: errorSchema },
        409: { description: 'a legal hold is in force', schema: errorSchema },
        422: { description: 'invalid input', schema: errorSchema },
      },
      handler: async (ctx, { body }) => {
        const b = body as z.infer<typeof eraseBody>;
        ctx.body = await eraseSubject(s, b.customerRef, actorOf(ctx), b.reason);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/subjects/legal-hold',
      summary:
        "Place or lift a legal hold on a customer subject (blocks retention deletion and erasure of all the subject's conversations)",
      tags: ['retention'],
      auth: { action: 'subject.erase', deny: 403 },
      body: subjectHoldBody,
      responses: {
        200: { description: 'hold set', schema: z.object({ subjectId: z.uuid(), hold: z.boolean() }) },
        404: { description: 'no subject with this reference', schema: errorSchema },
        422: { description: 'invalid input', schema: errorSchema },
      },
      handler: async (ctx, { body }) => {
        const b = body as z.infer<typeof subjectHoldBody>;
        ctx.body = await setSubjectLegalHold(s, b.customerRef, b.hold, actorOf(ctx), b.reason);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/conversations/:id/legal-hold',
      summary: 'Place or lift a legal hold on one conversation',
      tags: ['retention'],
      auth: { action: 'subject.erase', deny: 404 },
      params: idParams,
      body: conversationHoldBody,
      responses: {
        200: { description: 'hold set', schema: z.object({ conversationId: z.uuid(), hold: z.boolean() }) },
        404: { description: 'not found', schema: errorSchema },
        422: { description: 'invalid input', schema: errorSchema },
      },
      handler: async (ctx, { params, body }) => {
        const { id } = params as z.infer<typeof idParams>;
        const b = body as z.infer<typeof conversationHoldBody>;
        ctx.body = await setConversationLegalHold(s, callerOf(ctx), id, b.hold, b.reason);
      },
    }),
  ];
}
