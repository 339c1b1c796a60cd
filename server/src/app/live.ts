import type http from 'node:http';
import type https from 'node:https';
import { WebSocketServer, type WebSocket } from 'ws';
import { AuthError, type TokenVerifier } from '../auth/token-verifier';
import { can } from '../authz/permissions';
import type { Logger } from '../lib/logger';
import type { LiveCalls } from '../live/live-calls';
import { controlMessageSchema, LiveProtocolError, type LiveConnection } from '../live/protocol';
import type { LiveSession } from '../live/session';
import { describeZodError } from '../ingest/schema';
import type { AuditLog } from '../repositories/audit-log';

export const LIVE_CALLS_PATH = '/api/v1/live/calls';
/** the largest frame taken: a second of 16 kHz PCM and then some */
const MAX_FRAME = 64 * 1024;

/**
 * The recorders' WebSocket for calls in progress (protocol in live/protocol.ts). The upgrade request carries the
 * recorder's bearer token; a token without `conversation:ingest` is refused (and audited) before the socket opens.
 */
export function attachLiveCalls(
  server: http.Server | https.Server,
  deps: { live: LiveCalls; verifier: TokenVerifier; audit: Pick<AuditLog, 'append'>; log: Logger },
): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME, perMessageDeflate: false });
  server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== LIVE_CALLS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const token = /^Bearer ([\w.~+/-]+=*)$/i.exec(req.headers.authorization ?? '')?.[1];
    deps.verifier.verify(token).then(
      async (principal) => {
        if (!can(principal, 'conversation.ingest')) {
          await deny(deps.audit, principal.sub, 'forbidden');
          socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) =>
          serve(ws, deps, {
            sub: principal.sub,
            username: principal.username,
            client: principal.client,
            roles: principal.roles,
          }),
        );
      },
      async (e) => {
        const code = e instanceof AuthError ? e.code : 'invalid_token';
        await deny(deps.audit, 'anonymous', code).catch(() => undefined);
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      },
    );
  });
  return wss;
}

async function deny(audit: Pick<AuditLog, 'append'>, actorId: string, code: string) {
  await audit.append({
    actorId,
    actorName: null,
    roles: [],
    action: 'live.connect',
    objectType: null,
    objectId: null,
    reason: null,
    outcome: 'denied',
    requestId: null,
    details: { code },
  });
}

function serve(ws: WebSocket, deps: { live: LiveCalls; log: Logger }, sender: Parameters<LiveCalls['start']>[0]) {
  let session: LiveSession | undefined;
  let starting = false;
  const conn: LiveConnection = {
    send: (m) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: (code, reason) => ws.close(code, reason),
  };
  const fail = (e: unknown) => {
    const err =
      e instanceof LiveProtocolError ? e : new LiveProtocolError(1011, 'internal', 'the call could not be handled');
    if (!(e instanceof LiveProtocolError)) deps.log.error({ err: (e as Error).message }, 'live call failed');
    conn.send({ type: 'error', code: err.code, message: err.message });
    ws.close(err.closeCode, err.code);
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    try {
      if (isBinary) {
        if (!session) throw new LiveProtocolError(4400, 'not_started', 'send "start" before audio');
        session.audio(data);
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(data.toString('utf8'));
      } catch {
        throw new LiveProtocolError(4400, 'bad_message', 'text messages are JSON');
      }
      const parsed = controlMessageSchema.safeParse(json);
      if (!parsed.success) throw new LiveProtocolError(4400, 'bad_message', describeZodError(parsed.error));
      const msg = parsed.data;
      if (msg.type === 'start') {
        if (session || starting) throw new LiveProtocolError(4400, 'already_started', 'one call per connection');
        starting = true;
        deps.live.start(sender, msg, conn).then((s) => {
          session = s;
          if (ws.readyState !== ws.OPEN) deps.live.disconnected(s);
        }, fail);
      } else {
        if (!session) throw new LiveProtocolError(4400, 'not_started', 'no call to end');
        const s = session;
        deps.live.finish(s, 'ended', sender).then((conversationId) => {
          conn.send({ type: 'ended', conversationId });
          ws.close(1000, 'ended');
        }, fail);
      }
    } catch (e) {
      fail(e);
    }
  });
  ws.on('close', () => {
    if (session && !session.ending) deps.live.disconnected(session);
  });
  ws.on('error', (e) => deps.log.warn({ err: e.message }, 'live socket error'));
}
