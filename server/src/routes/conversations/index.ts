import { z } from 'zod';
import { callerOf, defineRoute, RouteDef } from '../route';
import { readCallUpload } from '../multipart';
import { ingestCall } from '../../ingest/ingest-call';
import { ingestText } from '../../ingest/ingest-text';
import { decideUnmaskApproval, listUnmaskApprovals, requestUnmaskApproval } from '../../commands/unmask-approvals';
import type { UnmaskApproval } from '../../repositories/unmask-approvals';
import { CHANNELS, CONVERSATION_STATES } from '../../entities/conversation';
import {
  conversationDetail,
  listConversations,
  openRedactedRecording,
  searchByIdentifier,
  unmaskTranscript,
} from '../../commands/conversations';
import { parseByteRange } from '../../lib/byte-range';
import { DomainError, HttpError } from '../../lib/errors';
import {
  conversationDetailSchema,
  conversationListItemSchema,
  conversationSummarySchema,
  presentDetail,
  presentListItem,
  presentSummary,
} from '../../presenters/conversation';
import { textConversationSchema } from '../../ingest/schema';
import type { Services } from '../../services';
import { errorResponses, errorSchema, idParams } from '../shared';

const ingestAnswer = z
  .object({ conversation: conversationSummarySchema, duplicate: z.boolean() })
  .meta({ id: 'IngestAnswer' });
const unmaskBody = z
  .object({
    reason: z.string().trim().min(10, 'state why you need the original (at least 10 characters)').max(1000),
    utteranceIds: z.array(z.uuid()).min(1).max(10_000).optional(),
    /** under the two-person rule (HOTLINE_UNMASK_APPROVAL=two-person): the approved request this unmask uses */
    approvalId: z.uuid().optional(),
  })
  .strict()
  .meta({ id: 'UnmaskRequest' });
const approvalRequestBody = z
  .object({ reason: z.string().trim().min(10, 'state why you need the original (at least 10 characters)').max(1000) })
  .strict();
const approvalDecisionBody = z
  .object({
    decision: z.enum(['approve', 'deny']),
    comment: z.string().trim().min(10, 'say why (at least 10 characters)').max(1000),
  })
  .strict();
const approvalAnswer = z
  .object({
    approvalId: z.uuid(),
    conversationId: z.uuid(),
    state: z.enum(['pending', 'approved', 'denied']),
    requester: z.string(),
    approver: z.string().nullable(),
    usableUntil: z.iso.datetime().nullable(),
  })
  .meta({ id: 'UnmaskApproval' });
const presentApproval = (a: UnmaskApproval) => ({
  approvalId: a.id,
  conversationId: a.conversationId,
  state: a.state,
  requester: a.requesterName,
  approver: a.approverName ?? null,
  usableUntil: a.usableUntil ? new Date(a.usableUntil).toISOString() : null,
});
const approvalListItem = approvalAnswer
  .extend({
    reason: z.string(),
    requestedAt: z.iso.datetime(),
    /** the caller's own request (to use once approved); otherwise one the caller may decide */
    mine: z.boolean(),
  })
  .meta({ id: 'UnmaskApprovalItem' });
const unmaskAnswer = z
  .object({
    conversationId: z.uuid(),
    reason: z.string(),
    utterances: z.array(
      z.object({
        id: z.uuid(),
        seq: z.number(),
        speaker: z.string(),
        text: z.string().nullable(),
        words: z.array(z.object({ w: z.string(), s: z.number(), e: z.number(), c: z.number() })).nullable(),
      }),
    ),
  })
  .meta({ id: 'UnmaskAnswer' });
const identifierQuery = z
  .object({
    kind: z.enum(['phone', 'cn_resident_id', 'bank_account', 'email', 'customer_ref']),
    value: z.string().trim().min(3).max(256),
    reason: z.string().trim().min(10, 'state why you are looking (at least 10 characters)').max(1000),
  })
  .strict()
  .meta({ id: 'IdentifierQuery' });

const listQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  agentId: z.string().max(128).optional(),
  teamId: z.string().max(128).optional(),
  channel: z.enum(CHANNELS).optional(),
  status: z.enum(CONVERSATION_STATES).optional(),
  queue: z.string().max(128).optional(),
  intent: z.string().max(64).optional(),
  passed: z.enum(['true', 'false']).optional().describe('the current verdict passed (after reviews)'),
  fatal: z.enum(['true', 'false']).optional().describe('a fatal rule failed in the current verdict (after reviews)'),
  failedRule: z.string().max(128).optional().describe('this rule failed in the current verdict (after reviews)'),
  sentiment: z
    .enum(['negative', 'neutral', 'positive'])
    .optional()
    .describe("how the customer's last turns felt (the conversation's sentimentEnd metric)"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** call uploads this process is reading now (HOTLINE_UPLOAD_CONCURRENCY bounds them) */
let uploadsInFlight = 0;

export function conversationRoutes(
  s: Pick<
    Services,
    | 'config'
    | 'conversations'
    | 'vault'
    | 'objects'
    | 'queue'
    | 'masking'
    | 'protector'
    | 'log'
    | 'limits'
    | 'approvals'
  >,
): RouteDef[] {
  const errors = errorResponses;
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/calls',
      summary:
        'Upload a call recording (WAV: 16-bit PCM, G.711 µ-law or A-law; 8 or 16 kHz; mono or stereo) with its metadata',
      tags: ['ingest'],
      auth: { action: 'conversation.ingest', deny: 403 },
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['audio', 'metadata'],
              properties: {
                audio: { type: 'string', format: 'binary' },
                metadata: { $ref: '#/components/schemas/CallMetadata' },
              },
            },
          },
        },
      },
      responses: {
        202: { description: 'accepted; transcription is queued', schema: ingestAnswer },
        200: { description: 'the same recording with the same metadata was already received', schema: ingestAnswer },
        413: { description: 'over the size limit', schema: errorSchema },
        429: { description: 'too many uploads at once; try again after Retry-After', schema: errorSchema },
        415: { description: 'not a supported audio format', schema: errorSchema },
        422: { description: 'malformed audio or metadata', schema: errorSchema },
      },
      handler: async (ctx) => {
        // an upload is held in memory while it is checked, hashed and sealed: a bounded number at once, so many
        // large uploads cannot exhaust the process (the recorder retries after Retry-After)
        if (uploadsInFlight >= s.config.HOTLINE_UPLOAD_CONCURRENCY)
          throw new DomainError(
            'too_many',
            'busy',
            `${uploadsInFlight} uploads are being received; try again shortly`,
            { retryAfterS: 5 },
          );
        uploadsInFlight++;
        let r: Awaited<ReturnType<typeof ingestCall>>;
        try {
          const upload = await readCallUpload(ctx, s.config.HOTLINE_MAX_UPLOAD_BYTES);
          r = await ingestCall(
            { ...s, log: ctx.state.log },
            { audio: upload.audio, metadata: upload.metadata, source: 'api', originalName: upload.filename },
          );
        } finally {
          uploadsInFlight--;
        }
        await ctx.state.audit('conversation.ingest', { type: 'conversation', id: r.conversation.id }, 'allowed', {
          details: { duplicate: r.duplicate, channel: 'call' },
        });
        ctx.status = r.duplicate ? 200 : 202;
        ctx.body = { conversation: presentSummary(r.conversation), duplicate: r.duplicate };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations',
      summary: 'Submit a text conversation (chat, e-mail, SMS)',
      tags: ['ingest'],
      auth: { action: 'conversation.ingest', deny: 403 },
      body: textConversationSchema,
      responses: {
        201: { description: 'stored', schema: ingestAnswer },
        200: { description: 'the same conversation was already received', schema: ingestAnswer },
        422: errors[422],
        429: { description: 'every masking thread is busy; try again after Retry-After', schema: errorSchema },
      },
      handler: async (ctx) => {
        const r = await ingestText({ ...s, log: ctx.state.log }, ctx.request.body);
        await ctx.state.audit('conversation.ingest', { type: 'conversation', id: r.conversation.id }, 'allowed', {
          details: { duplicate: r.duplicate, channel: r.conversation.channel },
        });
        ctx.status = r.duplicate ? 200 : 201;
        ctx.body = { conversation: presentSummary(r.conversation), duplicate: r.duplicate };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations',
      summary: 'List conversations, newest first, with cursor pagination',
      tags: ['conversations'],
      auth: { action: 'conversation.list', deny: 403 },
      query: listQuery,
      responses: {
        200: {
          description: 'a page',
          schema: z
            .object({ items: z.array(conversationListItemSchema), nextCursor: z.string().nullable() })
            .meta({ id: 'ConversationPage' }),
        },
        422: errors[422],
      },
      handler: async (ctx, { query }) => {
        const q = query as z.infer<typeof listQuery>;
        const page = await listConversations(s, callerOf(ctx), {
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          agentId: q.agentId,
          teamId: q.teamId,
          channel: q.channel,
          status: q.status,
          queue: q.queue,
          intent: q.intent,
          passed: q.passed === undefined ? undefined : q.passed === 'true',
          fatal: q.fatal === undefined ? undefined : q.fatal === 'true',
          failedRule: q.failedRule,
          sentiment: q.sentiment,
          limit: q.limit,
          cursor: q.cursor,
        });
        ctx.body = {
          items: page.items.map((c) => presentListItem(c, page.verdicts.get(c.id), page.allowedActions)),
          nextCursor: page.nextCursor,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations/:id',
      summary: 'One conversation with its utterances and processing history',
      tags: ['conversations'],
      auth: { action: 'conversation.read', deny: 404 },
      params: idParams,
      responses: { 200: { description: 'the conversation', schema: conversationDetailSchema }, ...errors },
      handler: async (ctx, { params }) => {
        const { id } = params as z.infer<typeof idParams>;
        const r = await conversationDetail(s, callerOf(ctx), id);
        ctx.body = {
          ...presentDetail(r.conversation, r.recording, r.utterances, r.events),
          allowedActions: r.allowedActions,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations/:id/audio',
      summary: 'The recording, with spoken personal data overwritten once protection has run (supports HTTP Range)',
      tags: ['conversations'],
      auth: { action: 'recording.play', deny: 404 },
      params: idParams,
      responses: {
        200: {
          description: 'the whole recording',
          content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
        },
        206: {
          description: 'a byte range of the recording',
          content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
        },
        409: { description: 'not yet redacted', schema: errorSchema },
        410: { description: 'removed by retention or erasure', schema: errorSchema },
        416: { description: 'range not satisfiable', schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params }) => {
        const { id } = params as z.infer<typeof idParams>;
        const header = ctx.get('range');
        const audio = await openRedactedRecording(s, callerOf(ctx), id, header || null);
        const size = audio.length;
        ctx.set('accept-ranges', 'bytes');
        ctx.set('cache-control', 'no-store');
        ctx.type = 'audio/wav';
        if (header) {
          const range = parseByteRange(header, size);
          if (range === 'unsatisfiable') {
            ctx.set('content-range', `bytes */${size}`);
            throw new HttpError(
              416,
              'range_not_satisfiable',
              `range ${header} is outside the recording's ${size} bytes`,
            );
          }
          if (range) {
            ctx.status = 206;
            ctx.set('content-range', `bytes ${range.start}-${range.end}/${size}`);
            ctx.body = audio.subarray(range.start, range.end + 1);
            return;
          }
        }
        ctx.body = audio;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations/:id/unmask',
      summary:
        'The original (unmasked) transcript, for a stated reason; the audit event is written before the data is returned',
      tags: ['conversations'],
      auth: { action: 'transcript.unmask', deny: 404 },
      params: idParams,
      body: unmaskBody,
      responses: {
        200: {
          description: 'the originals (sensitive authentication data such as CVV is never stored, so never shown)',
          schema: unmaskAnswer,
        },
        409: { description: "two-person rule: no usable second person's approval", schema: errorSchema },
        410: { description: 'the original was removed by retention or erasure', schema: errorSchema },
        429: { description: "the person's hourly unmask allowance is used up (Retry-After)", schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params, body }) => {
        const { id } = params as z.infer<typeof idParams>;
        const b = body as z.infer<typeof unmaskBody>;
        const opened = await unmaskTranscript(s, callerOf(ctx), id, b.reason, b.utteranceIds, b.approvalId);
        ctx.set('cache-control', 'no-store');
        ctx.body = {
          conversationId: id,
          reason: b.reason,
          utterances: opened.map((u) => ({
            id: u.id,
            seq: u.seq,
            speaker: u.speaker,
            text: u.purged ? null : u.text,
            words: u.purged ? null : u.words,
          })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations/:id/unmask/approvals',
      summary:
        'Ask a second person to approve unmasking this conversation (two-person rule, HOTLINE_UNMASK_APPROVAL=two-person); audited',
      tags: ['conversations'],
      auth: { action: 'transcript.unmask', deny: 404 },
      params: idParams,
      body: approvalRequestBody,
      responses: { 201: { description: 'the request, pending', schema: approvalAnswer }, ...errors },
      handler: async (ctx, { params, body }) => {
        const { id } = params as z.infer<typeof idParams>;
        const a = await requestUnmaskApproval(
          s,
          callerOf(ctx),
          id,
          (body as z.infer<typeof approvalRequestBody>).reason,
        );
        ctx.status = 201;
        ctx.body = presentApproval(a);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/unmask-approvals',
      summary:
        'Requests to unmask under the two-person rule: your own (to use once approved) and the pending ones of others you may decide (conversations you may unmask)',
      tags: ['conversations'],
      auth: { action: 'transcript.unmask', deny: 404 },
      responses: {
        200: { description: 'newest first', schema: z.object({ items: z.array(approvalListItem) }) },
        ...errors,
      },
      handler: async (ctx) => {
        const rows = await listUnmaskApprovals(s, callerOf(ctx));
        ctx.body = {
          items: rows.map((a) => ({
            ...presentApproval(a),
            reason: a.reason,
            requestedAt: new Date(a.requestedAt ?? Date.now()).toISOString(),
            mine: a.mine,
          })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/unmask-approvals/:approvalId/decision',
      summary:
        'Approve or deny another person’s request to unmask (someone who may unmask the conversation, never the asker); an approval opens one unmask within 15 minutes; audited',
      tags: ['conversations'],
      auth: { action: 'transcript.unmask', deny: 404 },
      params: z.object({ approvalId: z.uuid() }),
      body: approvalDecisionBody,
      responses: {
        200: { description: 'decided', schema: approvalAnswer },
        409: { description: 'your own request, or already decided', schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params, body }) => {
        const { approvalId } = params as { approvalId: string };
        const b = body as z.infer<typeof approvalDecisionBody>;
        ctx.body = presentApproval(await decideUnmaskApproval(s, callerOf(ctx), approvalId, b.decision, b.comment));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations/search/identifier',
      summary:
        'Conversations that mention an exact identifier (phone, CN ID, account, e-mail, customer reference), found through keyed blind indexes without decrypting anything',
      tags: ['conversations'],
      auth: { action: 'conversation.list', deny: 403 },
      body: identifierQuery,
      responses: {
        200: {
          description: 'matching conversations within your scope',
          schema: z.object({ items: z.array(conversationListItemSchema) }).meta({ id: 'IdentifierMatches' }),
        },
        422: errors[422],
        429: { description: "the person's hourly search allowance is used up (Retry-After)", schema: errorSchema },
      },
      handler: async (ctx, { body }) => {
        const q = body as z.infer<typeof identifierQuery>;
        const r = await searchByIdentifier(s, callerOf(ctx), q);
        ctx.body = { items: r.items.map((c) => presentListItem(c, r.verdicts.get(c.id), r.allowedActions)) };
      },
    }),
  ];
}
