import { z } from 'zod';
import { defineRoute, RouteDef } from '../../app/route';
import { readCallUpload } from '../../app/multipart';
import { ingestCall } from '../../commands/ingest-call';
import { ingestText } from '../../commands/ingest-text';
import { CHANNELS, CONVERSATION_STATES } from '../../entities/conversation';
import { allowedActions, conversationScope } from '../../authz/policy';
import { HttpError, notFound } from '../../lib/errors';
import { conversationDetailSchema, conversationListItemSchema, conversationSummarySchema, presentDetail, presentSummary } from '../../presenters/conversation';
import { textConversationSchema } from '../../schemas/ingest';
import type { Services } from '../../services';

const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string(), details: z.unknown().optional() }) })
  .meta({ id: 'Error' });
const ingestAnswer = z.object({ conversation: conversationSummarySchema, duplicate: z.boolean() }).meta({ id: 'IngestAnswer' });
const idParams = z.object({ id: z.uuid() });

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

const encodeCursor = (startedAt: Date, id: string) => Buffer.from(`${startedAt.toISOString()}|${id}`).toString('base64url');
function decodeCursor(c: string): { startedAt: Date; id: string } {
  const [ts, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  const startedAt = new Date(ts);
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(startedAt.getTime())) throw new HttpError(422, 'invalid_cursor', 'cursor is not one this API issued');
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
      summary: 'Upload a call recording (WAV: 16-bit PCM, G.711 µ-law or A-law; 8 or 16 kHz; mono or stereo) with its metadata',
      tags: ['ingest'],
      auth: { action: 'conversation.ingest', deny: 403 },
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['audio', 'metadata'],
              properties: { audio: { type: 'string', format: 'binary' }, metadata: { $ref: '#/components/schemas/CallMetadata' } },
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
        const r = await ingestCall({ ...s, log: ctx.state.log }, { audio: upload.audio, metadata: upload.metadata, source: 'api', originalName: upload.filename });
        await ctx.state.audit('conversation.ingest', { type: 'conversation', id: r.conversation.id }, 'allowed', { details: { duplicate: r.duplicate, channel: 'call' } });
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
        await ctx.state.audit('conversation.ingest', { type: 'conversation', id: r.conversation.id }, 'allowed', { details: { duplicate: r.duplicate, channel: r.conversation.channel } });
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
        200: { description: 'a page', schema: z.object({ items: z.array(conversationListItemSchema), nextCursor: z.string().nullable() }).meta({ id: 'ConversationPage' }) },
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
        await ctx.state.audit('conversation.list', null, 'allowed', { details: { count: Math.min(items.length, q.limit) } });
        const page = items.slice(0, q.limit);
        const last = page[page.length - 1];
        const allowed = allowedActions(ctx.state.principal!);
        ctx.body = { items: page.map((c) => ({ ...presentSummary(c), allowedActions: allowed })), nextCursor: items.length > q.limit && last ? encodeCursor(last.startedAt, last.id) : null };
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
          await ctx.state.audit('conversation.read', { type: 'conversation', id }, 'denied', { details: { why: 'missing or outside scope' } });
          throw notFound('conversation');
        }
        // the trace is written before any content leaves
        await ctx.state.audit('conversation.read', { type: 'conversation', id }, 'allowed');
        const [r, us, ev] = await Promise.all([s.conversations.recording(id), s.conversations.utterances(id), s.conversations.events(id)]);
        ctx.body = { ...presentDetail(c, r, us, ev), allowedActions: allowedActions(ctx.state.principal!, c) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations/:id/audio',
      summary: 'The recording as received (supports HTTP Range)',
      tags: ['conversations'],
      auth: { action: 'recording.play', deny: 404 },
      params: idParams,
      responses: {
        200: { description: 'the whole recording', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
        206: { description: 'a byte range of the recording', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } },
        416: { description: 'range not satisfiable', schema: errorSchema },
        ...errors,
      },
      handler: async (ctx, { params }) => {
        const { id } = params as z.infer<typeof idParams>;
        const visible = await s.conversations.findVisible(id, conversationScope(ctx.state.principal!));
        const rec = visible ? await s.conversations.recording(id) : null;
        if (!rec) {
          await ctx.state.audit('recording.play', { type: 'conversation', id }, 'denied', { details: { why: 'missing or outside scope' } });
          throw notFound('recording');
        }
        await ctx.state.audit('recording.play', { type: 'conversation', id }, 'allowed', { details: { range: ctx.get('range') || null } });
        const size = await s.objects.size(rec.sha256);
        ctx.set('accept-ranges', 'bytes');
        ctx.type = 'audio/wav';
        const header = ctx.get('range');
        if (header) {
          const range = parseRange(header, size);
          if (range === 'unsatisfiable') {
            ctx.set('content-range', `bytes */${size}`);
            throw new HttpError(416, 'range_not_satisfiable', `range ${header} is outside the recording's ${size} bytes`);
          }
          if (range) {
            ctx.status = 206;
            ctx.set('content-range', `bytes ${range.start}-${range.end}/${size}`);
            ctx.length = range.end - range.start + 1;
            ctx.body = s.objects.openRead(rec.sha256, range);
            return;
          }
        }
        ctx.length = size;
        ctx.body = s.objects.openRead(rec.sha256);
      },
    }),
  ];
}

export { errorSchema };
