import { z } from 'zod';
import { defineRoute, RouteDef } from '../../app/route';
import { readCallUpload } from '../../app/multipart';
import { ingestCall } from '../../commands/ingest-call';
import { ingestText } from '../../commands/ingest-text';
import { CHANNELS, CONVERSATION_STATES } from '../../entities/conversation';
import { allowedActions, conversationScope } from '../../authz/policy';
import { HttpError, notFound } from '../../lib/errors';
import {
  conversationDetailSchema,
  conversationListItemSchema,
  conversationSummarySchema,
  presentDetail,
  presentSummary,
} from '../../presenters/conversation';
import { textConversationSchema } from '../../schemas/ingest';
import type { Services } from '../../services';
import { openUtterances } from '../../protection/sealed-transcript';
import { KeyDestroyedError } from '../../protection/vault';
import { audioContext } from '../../commands/protect-ingest';

const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), requestId: z.string(), details: z.unknown().optional() }),
  })
  .meta({ id: 'Error' });
const ingestAnswer = z
  .object({ conversation: conversationSummarySchema, duplicate: z.boolean() })
  .meta({ id: 'IngestAnswer' });
const idParams = z.object({ id: z.uuid() });
const unmaskBody = z
  .object({
    reason: z.string().trim().min(10, 'state why you need the original (at least 10 characters)').max(1000),
    utteranceIds: z.array(z.uuid()).min(1).max(10_000).optional(),
  })
  .strict()
  .meta({ id: 'UnmaskRequest' });
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
    reason: z.string().trim().max(1000).optional(),
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
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

const encodeCursor = (startedAt: Date, id: string) =>
  Buffer.from(`${startedAt.toISOString()}|${id}`).toString('base64url');
function decodeCursor(c: string): { startedAt: Date; id: string } {
  const [ts, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  const startedAt = new Date(ts);
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(startedAt.getTime()))
    throw new HttpError(422, 'invalid_cursor', 'cursor is not one this API issued');
  return { startedAt, id };
}

function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'unsatisfiable';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export function conversationRoutes(s: Services): RouteDef[] {
  const errors = {
    404: { description: 'not found', schema: errorSchema },
    422: { description: 'invalid input', schema: errorSchema },
  };
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
        415: { description: 'not a supported audio format', schema: errorSchema },
        422: { description: 'malformed audio or metadata', schema: errorSchema },
      },
      handler: async (ctx) => {
        const upload = await readCallUpload(ctx, s.config.HOTLINE_MAX_UPLOAD_BYTES);
        const r = await ingestCall(
          { ...s, log: ctx.state.log },
          { audio: upload.audio, metadata: upload.metadata, source: 'api', originalName: upload.filename },
        );
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
        const items = await s.conversations.list({
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          agentId: q.agentId,
          teamId: q.teamId,
          channel: q.channel,
          status: q.status,
          limit: q.limit + 1,
          cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
          scope: conversationScope(ctx.state.principal!),
        });
        await ctx.state.audit('conversation.list', null, 'allowed', {
          details: { count: Math.min(items.length, q.limit) },
        });
        const page = items.slice(0, q.limit);
        const last = page[page.length - 1];
        const allowed = allowedActions(ctx.state.principal!);
        ctx.body = {
          items: page.map((c) => ({ ...presentSummary(c), allowedActions: allowed })),
          nextCursor: items.length > q.limit && last ? encodeCursor(last.startedAt, last.id) : null,
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
        const c = await s.conversations.findVisible(id, conversationScope(ctx.state.principal!));
        if (!c) {
          await ctx.state.audit('conversation.read', { type: 'conversation', id }, 'denied', {
            details: { why: 'missing or outside scope' },
          });
          throw notFound('conversation');
        }
        // the trace is written before any content leaves
        await ctx.state.audit('conversation.read', { type: 'conversation', id }, 'allowed');
        const [r, us, ev, key] = await Promise.all([
          s.conversations.recording(id),
          s.conversations.utterances(id),
          s.conversations.events(id),
          openKeyOrGone(s, c.keyId),
        ]);
        const opened = key ? openUtterances(s.vault, key, us, 'masked') : [];
        ctx.body = { ...presentDetail(c, r, opened, ev), allowedActions: allowedActions(ctx.state.principal!, c) };
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
        const visible = await s.conversations.findVisible(id, conversationScope(ctx.state.principal!));
        const rec = visible ? await s.conversations.recording(id) : null;
        if (!rec) {
          await ctx.state.audit('recording.play', { type: 'conversation', id }, 'denied', {
            details: { why: 'missing or outside scope' },
          });
          throw notFound('recording');
        }
        if (!rec.objectId || !visible)
          throw new HttpError(
            410,
            'audio_removed',
            'the recording was removed under the retention policy or by erasure',
          );
        // until spoken personal data is overwritten, nobody plays the recording
        if (!rec.redactedAt)
          throw new HttpError(
            409,
            'not_yet_redacted',
            `the recording is still being protected (status ${visible.status}); try again when the conversation is protected`,
          );
        const key = await openKeyOrGone(s, visible.keyId);
        if (!key) throw new HttpError(410, 'audio_removed', 'the recording was erased (its key was destroyed)');
        await ctx.state.audit('recording.play', { type: 'conversation', id }, 'allowed', {
          details: { range: ctx.get('range') || null, redacted: !!rec.redactedAt },
        });
        // stored encrypted: decrypted in memory and served from there (calls are minutes long, a few MB)
        const audio = s.vault.unseal(key, audioContext(id), await s.objects.get(rec.objectId));
        const size = audio.length;
        ctx.set('accept-ranges', 'bytes');
        ctx.set('cache-control', 'no-store');
        ctx.type = 'audio/wav';
        const header = ctx.get('range');
        if (header) {
          const range = parseRange(header, size);
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
        410: { description: 'the original was removed by retention or erasure', schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params, body }) => {
        const { id } = params as z.infer<typeof idParams>;
        const b = body as z.infer<typeof unmaskBody>;
        const c = await s.conversations.findVisible(id, conversationScope(ctx.state.principal!));
        if (!c) {
          await ctx.state.audit('transcript.unmask', { type: 'conversation', id }, 'denied', {
            reason: b.reason,
            details: { why: 'missing or outside scope' },
          });
          throw notFound('conversation');
        }
        const key = await openKeyOrGone(s, c.keyId);
        if (!key) {
          await ctx.state.audit('transcript.unmask', { type: 'conversation', id }, 'error', {
            reason: b.reason,
            details: { why: 'erased' },
          });
          throw new HttpError(410, 'erased', 'this conversation was erased; nothing can be unmasked');
        }
        let rows = await s.conversations.utterances(id);
        if (b.utteranceIds) {
          const want = new Set(b.utteranceIds);
          rows = rows.filter((u) => want.has(u.id));
          if (rows.length !== want.size)
            throw new HttpError(
              422,
              'unknown_utterance',
              'utteranceIds names an utterance that is not part of this conversation',
            );
        }
        // the trace first: if it cannot be written, nothing is revealed
        await ctx.state.audit('transcript.unmask', { type: 'conversation', id }, 'allowed', {
          reason: b.reason,
          details: {
            utterances: rows.map((u) => u.id),
            piiTypes: [...new Set(rows.flatMap((u) => u.pii.map((p) => p.type)))],
          },
        });
        const opened = openUtterances(s.vault, key, rows, 'original');
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
      },
      handler: async (ctx, { body }) => {
        const q = body as z.infer<typeof identifierQuery>;
        const digest = s.vault.blind.index(q.kind, q.value);
        const items = await s.conversations.findByBlindIndex(
          q.kind,
          digest,
          conversationScope(ctx.state.principal!),
          100,
        );
        // the identifier itself is not written to the trail, only its kind and how many matched
        await ctx.state.audit('conversation.search_identifier', null, 'allowed', {
          reason: q.reason,
          details: { kind: q.kind, count: items.length },
        });
        const allowed = allowedActions(ctx.state.principal!);
        ctx.body = { items: items.map((c) => ({ ...presentSummary(c), allowedActions: allowed })) };
      },
    }),
  ];
}

/** The conversation's data key, or null when it was destroyed (erasure). */
export async function openKeyOrGone(s: Services, keyId: string) {
  try {
    return await s.vault.open(keyId);
  } catch (e) {
    if (e instanceof KeyDestroyedError) return null;
    throw e;
  }
}

export { errorSchema };
