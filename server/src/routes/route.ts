import type { Context } from 'koa';
import type { z } from 'zod';
import type { Principal } from '../auth/token-verifier';
import type { Action } from '../authz/permissions';
import type { Caller, RequestAudit } from '../authz/visible';
import type { Actor } from '../repositories/audit-log';

declare module 'koa' {
  interface DefaultState {
    principal?: Principal;
    /** appends an audit event for this request (who, roles, action, object, outcome, request id) */
    audit: RequestAudit;
  }
}

/** The signed-in caller of an authenticated route (the app has verified the token before the handler runs). */
export const callerOf = (ctx: Context): Caller => ({ principal: ctx.state.principal!, audit: ctx.state.audit });

/** The caller as the audit trail names them, for commands that append their own events. */
export const actorOf = (ctx: Context): Actor & { actorName: string } => {
  const p = ctx.state.principal!;
  return { actorId: p.sub, actorName: p.username, roles: p.roles, requestId: ctx.state.requestId };
};

/*
 * One table of routes. Each entry names its input schemas and answers; the router and the OpenAPI document are
 * both generated from it, so they cannot drift apart.
 */

/**
 * Every route states its access rule: `public` (health, OpenAPI) or the action it performs. The matrix test walks
 * the table, so a route cannot be added without one.
 */
export type RouteAuth = 'public' | { action: Action; deny: 403 | 404 };

export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string; // koa style: /api/v1/conversations/:id
  summary: string;
  tags: string[];
  auth: RouteAuth;
  params?: P;
  query?: Q;
  body?: B;
  /** non-JSON request bodies (multipart), described for OpenAPI only */
  requestBody?: Record<string, unknown>;
  responses: Record<number, { description: string; schema?: z.ZodType; content?: Record<string, unknown> }>;
  handler: (ctx: Context, input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B> }) => Promise<void>;
}

export const defineRoute = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(r: RouteDef<P, Q, B>) =>
  r as unknown as RouteDef;
