import { z } from 'zod';
import { defineRoute, RouteDef } from '../../app/route';
import { conversationScope } from '../../authz/policy';
import { HttpError, notFound } from '../../lib/errors';
import { eraseSubject, LegalHoldError, UnknownSubjectError } from '../../protection/retention';
import type { Services } from '../../services';
import { errorSchema } from '../conversations';

const reason = z
  .string()
  .trim()
  .min(10, 'state the reason (at least 10 characters), e.g. the request or case number')
  .max(1000);
const eraseBody = z
  .object({ customerRef: z.string().trim().min(1).max(256), reason })
  .strict()
  .meta({ id: 'EraseSubjectRequest' });
const subjectHoldBody = z
  .object({ customerRef: z.string().trim().min(1).max(256), hold: z.boolean(), reason })
  .strict()
  .meta({ id: 'SubjectLegalHold' });
const conversationHoldBody = z.object({ hold: z.boolean(), reason }).strict().meta({ id: 'ConversationLegalHold' });
const idParams = z.object({ id: z.uuid() });

const keyStatus = z
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
export function protectionRoutes(s: Services): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/system/keys',
      summary: 'Key status: active KEK version, data keys per version, rewrap progress (no key material)',
      tags: ['system'],
      auth: { action: 'system.admin', deny: 403 },
      responses: { 200: { description: 'status', schema: keyStatus } },
      handler: async (ctx) => {
        const st = await s.vault.keyStatus();
        const [{ subjects, destroyed }] = (await s.db.query(
          `SELECT count(*) FILTER (WHERE purpose = 'subject' AND destroyed_at IS NULL)::int AS subjects, count(*) FILTER (WHERE destroyed_at IS NOT NULL)::int AS destroyed FROM data_keys`,
        )) as Array<{ subjects: number; destroyed: number }>;
        await ctx.state.audit('system.keys.read', null, 'allowed');
        ctx.body = {
          kekId: s.vault.kek.kekId,
          cipher: s.vault.suite.id,
          activeVersion: st.active,
          dataKeysByKekVersion: st.counts,
          pendingRewrap: st.pending,
          subjectKeys: subjects,
          destroyedKeys: destroyed,
        };
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
        const p = ctx.state.principal!;
        try {
          ctx.body = await eraseSubject(
            s,
            b.customerRef,
            { actorId: p.sub, actorName: p.username, roles: p.roles, requestId: ctx.state.requestId },
            b.reason,
          );
        } catch (e) {
          if (e instanceof UnknownSubjectError) {
            await ctx.state.audit('subject.erase', null, 'denied', {
              reason: b.reason,
              details: { why: 'unknown subject' },
            });
            throw new HttpError(404, 'not_found', e.message);
          }
          if (e instanceof LegalHoldError) {
            await ctx.state.audit('subject.erase', null, 'denied', {
              reason: b.reason,
              details: { why: 'legal hold' },
            });
            throw new HttpError(409, 'legal_hold', e.message);
          }
          throw e;
        }
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
        const rows = (await s.db.query(
          `UPDATE subjects SET legal_hold = $2 WHERE ref_index = $1 AND erased_at IS NULL RETURNING id`,
          [s.vault.blind.index('customer_ref', b.customerRef), b.hold],
        )) as [Array<{ id: string }>, number];
        const id = rows[0][0]?.id;
        await ctx.state.audit(
          b.hold ? 'legal_hold.place' : 'legal_hold.lift',
          id ? { type: 'subject', id } : null,
          id ? 'allowed' : 'denied',
          { reason: b.reason },
        );
        if (!id) throw new HttpError(404, 'not_found', 'no customer subject with this reference');
        ctx.body = { subjectId: id, hold: b.hold };
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
        const c = await s.conversations.findVisible(id, conversationScope(ctx.state.principal!));
        await ctx.state.audit(
          b.hold ? 'legal_hold.place' : 'legal_hold.lift',
          { type: 'conversation', id },
          c ? 'allowed' : 'denied',
          { reason: b.reason },
        );
        if (!c) throw notFound('conversation');
        await s.db.query(`UPDATE conversations SET legal_hold = $2 WHERE id = $1`, [id, b.hold]);
        ctx.body = { conversationId: id, hold: b.hold };
      },
    }),
  ];
}
