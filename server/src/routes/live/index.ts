import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { liveScope } from '../../authz/permissions';
import type { LiveCallEvent } from '../../repositories/live-events';
import type { Services } from '../../services';
import { defineRoute, RouteDef } from '../route';

/** The data of each event on the stream (in the OpenAPI document, so the console's client is typed from it). */
export const liveCallEventSchema = z
  .object({
    type: z.enum(['call.started', 'partial', 'turn', 'alert', 'call.ended']),
    sessionId: z.string(),
    teamId: z.string().nullable(),
    agentId: z.string().nullable(),
    queue: z.string().nullable(),
    atMs: z.number(),
    speaker: z.enum(['agent', 'customer', 'unknown']).optional(),
    text: z.string().optional().describe('masked'),
    heardToMs: z.number().optional(),
    alert: z
      .object({
        kind: z.string(),
        ruleId: z.string().optional(),
        title: z.string(),
        fatal: z.boolean(),
        types: z.array(z.string()).optional(),
      })
      .optional(),
    conversationId: z.string().optional(),
    reason: z.enum(['ended', 'connection_lost']).optional(),
    sentAt: z.number(),
  })
  .meta({ id: 'LiveCallEvent' });
// the events the bus carries are exactly what the schema describes
type Schema = z.infer<typeof liveCallEventSchema>;
const sameShape: [LiveCallEvent] extends [Schema] ? ([Schema] extends [LiveCallEvent] ? true : false) : false = true;
void sameShape;

/** a stream lives at most this long (less when its token expires sooner), then closes; the browser's EventSource reconnects and is authorised again */
const STREAM_MAX_MS = 15 * 60_000;
const PING_MS = 15_000;

/**
 * Calls in progress, for the supervisors watching them: Server-Sent Events of the calls in the caller's scope
 * (masked partial and finished turns, alerts, start and end). Audited once per stream.
 */
export function liveRoutes(s: Pick<Services, 'liveEvents'>): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/live/events',
      summary:
        'Server-Sent Events of calls in progress in your scope: call.started, partial, turn (masked text), alert, call.ended',
      tags: ['live'],
      auth: { action: 'live.monitor', deny: 403 },
      responses: {
        200: {
          description: 'an event stream (text/event-stream); the data of each event is a LiveCallEvent (JSON)',
          content: {
            'text/event-stream': { schema: { type: 'string', description: 'see components/schemas/LiveCallEvent' } },
          },
        },
      },
      handler: async (ctx) => {
        const inScope = liveScope(ctx.state.principal!);
        const stream = new PassThrough();
        const write = (chunk: string) => {
          if (!stream.writableEnded) stream.write(chunk);
        };
        const unsubscribe = await s.liveEvents.subscribe((e) => {
          if (inScope(e)) write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        });
        await ctx.state.audit('live.monitor', null, 'allowed');
        const ping = setInterval(() => write(': ping\n\n'), PING_MS);
        // the stream ends when the token that opened it expires (or after STREAM_MAX_MS): a signed-out or disabled
        // person stops receiving events, and a browser's EventSource reconnects with the session's fresh token
        const expires = ctx.state.principal!.expiresAt;
        const lifetime = Math.max(1000, Math.min(STREAM_MAX_MS, expires ? expires - Date.now() : STREAM_MAX_MS));
        const stop = setTimeout(() => stream.end(), lifetime);
        const done = () => {
          unsubscribe();
          clearInterval(ping);
          clearTimeout(stop);
          stream.end();
        };
        ctx.req.on('close', done);
        stream.on('close', done);
        ctx.req.socket.setTimeout(0);
        ctx.set('cache-control', 'no-cache, no-transform');
        ctx.set('x-accel-buffering', 'no');
        ctx.type = 'text/event-stream';
        ctx.status = 200;
        ctx.body = stream;
        write('retry: 2000\n\n');
      },
    }),
  ];
}
