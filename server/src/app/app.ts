import crypto from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import { HttpError } from '../lib/errors';
import { conversationRoutes } from '../routes/conversations';
import { SpeechStatus, systemRoutes } from '../routes/system';
import { statusRoutes } from '../routes/system/status';
import { httpDuration } from '../lib/metrics';
import { protectionRoutes } from '../routes/protection';
import { inspectionRoutes } from '../routes/inspection';
import { jobRoutes } from '../routes/jobs';
import { reportRoutes } from '../routes/reports';
import { auditRoutes } from '../routes/audit';
import { liveCallEventSchema, liveRoutes } from '../routes/live';
import { callMetadataSchema, describeZodError } from '../ingest/schema';
import type { Services } from '../services';
import { TokenVerifier } from '../auth/token-verifier';
import { auditFor, authorizeRoute } from './auth';
import { consoleMiddleware } from './console';
import { ConsoleSessionStore } from '../repositories/console-sessions';
import { errorHandler, jsonBody, requestContext } from './middleware';
import { buildOpenApi } from './openapi';
import type { RouteDef } from '../routes/route';

export function routeTable(s: Services, speech: SpeechStatus = {}): RouteDef[] {
  return withOpenApi(s, speech).routes;
}

/** The API's OpenAPI document, without a running appliance (`hotline openapi`; the console's client is typed from it). */
export const openApiDocument = (): unknown => withOpenApi({} as Services).doc;

function withOpenApi(s: Services, speech: SpeechStatus = {}): { routes: RouteDef[]; doc: unknown } {
  const holder: { doc?: unknown } = {};
  const routes: RouteDef[] = [
    ...conversationRoutes(s),
    ...protectionRoutes(s),
    ...inspectionRoutes(s),
    ...reportRoutes(s),
    ...auditRoutes(s),
    ...jobRoutes(s),
    ...liveRoutes(s),
    ...systemRoutes(s, speech, () => holder.doc),
    ...statusRoutes(s),
  ];
  holder.doc = buildOpenApi(routes, { title: 'Hotline Appliance API', version: '1' }, [
    callMetadataSchema,
    liveCallEventSchema,
  ]);
  return { routes, doc: holder.doc };
}

/**
 * Sign-ins happen at Keycloak; the appliance records one `auth.sign_in` event at the first request of each SSO session
 * (Redis remembers the hashed session id for 12 hours). Keycloak's own login events stay in Keycloak.
 */
async function noteSignIn(ctx: Koa.Context, s: Services): Promise<void> {
  const p = ctx.state.principal!;
  const session = crypto.createHash('sha256').update(p.sessionId!).digest('hex').slice(0, 32);
  try {
    const first = await s.redis.set(`${s.config.HOTLINE_QUEUE_PREFIX}:sessions:${session}`, '1', 'EX', 12 * 3600, 'NX');
    if (first === 'OK')
      await ctx.state.audit('auth.sign_in', null, 'allowed', { details: { session, client: p.client } });
  } catch (e) {
    ctx.state.log.warn({ err: (e as Error).message }, 'could not record the session start');
  }
}

/**
 * An agent's scope is the agent ids bound to their account (`sub`), not their username: the first request of an
 * account binds its username (audited); a username already bound to another account binds nothing (audited as a
 * conflict for an administrator to resolve with `hotline agents`), so a reused username inherits no history.
 */
async function resolveAgent(ctx: Koa.Context, s: Services): Promise<void> {
  const p = ctx.state.principal!;
  const r = await s.agents.agentIdsFor(p.sub, p.username);
  p.agentIds = r.ids;
  if (r.bound)
    await ctx.state.audit('agent.bind', { type: 'agent', id: r.bound }, 'allowed', { details: { sub: p.sub } });
  if (r.conflict)
    await ctx.state.audit('agent.bind', { type: 'agent', id: r.conflict.agentId }, 'denied', {
      reason: 'the agent id is bound to another account',
      details: { sub: p.sub, heldBy: r.conflict.heldBy },
    });
}

export function createApp(s: Services, speech: SpeechStatus = {}, verifier?: TokenVerifier): Koa {
  const app = new Koa();
  app.proxy = false;
  // errors Koa reports outside a request's handling (a streamed body cut off): a client that leaves an event stream
  // is normal; anything else is logged, without the request's content
  app.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET') return;
    s.log.warn({ err: err.message, code: err.code }, 'response error');
  });
  const router = new Router();
  for (const r of routeTable(s, speech)) {
    router[r.method](r.path, async (ctx) => {
      await authorizeRoute(ctx, r.auth, verifier);
      if (ctx.state.principal?.sessionId) await noteSignIn(ctx, s);
      if (ctx.state.principal?.roles.includes('agent')) await resolveAgent(ctx, s);
      const parse = (schema: RouteDef['params'], value: unknown, where: string) => {
        if (!schema) return value;
        const res = schema.safeParse(value);
        if (!res.success) {
          if (where === 'path') throw new HttpError(404, 'not_found', 'not found');
          throw new HttpError(422, 'invalid_request', `invalid ${where}: ${describeZodError(res.error)}`);
        }
        return res.data;
      };
      // PostgreSQL text cannot hold NUL: refuse it at the door instead of failing deep inside a query
      for (const [where, value] of [
        ['query', ctx.query],
        ['body', ctx.request.body],
      ] as const)
        if (containsNul(value))
          throw new HttpError(422, 'invalid_request', `invalid ${where}: NUL characters are not allowed`);
      const params = parse(r.params, ctx.params, 'path');
      const query = parse(r.query, ctx.query, 'query');
      const body = parse(r.body, ctx.request.body, 'body');
      await r.handler(ctx, { params, query, body });
    });
  }
  app.use(requestContext(s.log));
  // latency by route template (never the path itself: it holds ids); outside the error handler, so errors count too
  app.use(async (ctx, next) => {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      const route = ctx._matchedRoute
        ? String(ctx._matchedRoute)
        : ctx.path.startsWith('/api/')
          ? 'unmatched'
          : 'console';
      httpDuration.observe({ method: ctx.method, route, status: String(ctx.status) }, (performance.now() - t0) / 1000);
    }
  });
  app.use(errorHandler());
  app.use(async (ctx, next) => {
    ctx.state.audit = auditFor(ctx, s.audit);
    await next();
  });
  app.use(
    consoleMiddleware({
      issuer: s.config.HOTLINE_OIDC_ISSUER,
      verifier,
      sessions: new ConsoleSessionStore(
        s.redis,
        s.config.HOTLINE_QUEUE_PREFIX,
        s.config.HOTLINE_CONSOLE_IDLE_S,
        s.config.HOTLINE_CONSOLE_SESSION_S,
      ),
      distDir: s.config.HOTLINE_CONSOLE_DIR,
      unmaskApproval: s.config.HOTLINE_UNMASK_APPROVAL,
      publicUrl: s.config.HOTLINE_PUBLIC_URL,
      tls: Boolean(s.config.HOTLINE_TLS_CERT),
    }),
  );
  app.use(jsonBody());
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}

/** Whether a string anywhere in a parsed query or JSON body holds a NUL character. */
export function containsNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (depth > 64 || v === null || typeof v !== 'object') return false;
  return Object.entries(v).some(([k, x]) => k.includes('\u0000') || containsNul(x, depth + 1));
}
