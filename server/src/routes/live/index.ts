import { PassThrough } from 'node:stream';
import { liveScope } from '../../authz/permissions';
import type { Services } from '../../services';
import { defineRoute, RouteDef } from '../route';

/** a stream lives this long, then closes; the browser's EventSource reconnects and is authorised again */
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
          description: 'an event stream (text/event-stream); each event is JSON (LiveCallEvent)',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
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
        const stop = setTimeout(() => stream.end(), STREAM_MAX_MS);
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
