import type { Context } from 'koa';
import { AuthError, TokenVerifier } from '../auth/token-verifier';
import type { AuditLog } from '../repositories/audit-log';
import { Action, can } from '../authz/permissions';
import { HttpError } from '../lib/errors';
import type { RouteAuth } from '../routes/route';

export function auditFor(ctx: Context, audit: AuditLog) {
  return async (
    action: string,
    object: { type?: string; id?: string } | null,
    outcome: 'allowed' | 'denied' | 'error',
    extra: { reason?: string; details?: Record<string, unknown> } = {},
  ) => {
    const p = ctx.state.principal;
    await audit.append({
      actorId: p?.sub ?? 'anonymous',
      actorName: p?.username ?? null,
      roles: p?.roles ?? [],
      action,
      objectType: object?.type ?? null,
      objectId: object?.id ?? null,
      reason: extra.reason ?? null,
      outcome,
      requestId: ctx.state.requestId,
      details: extra.details ?? null,
    });
  };
}

/**
 * Authenticates the bearer token and checks the route's action. No token, a bad token: 401 (audited). A valid
 * token without the permission: the route's denial status (404 where the object's existence must not leak).
 */
export async function authorizeRoute(
  ctx: Context,
  rule: RouteAuth,
  verifier: TokenVerifier | undefined,
): Promise<void> {
  if (rule === 'public') return;
  const header = ctx.get('authorization');
  const token = /^Bearer ([\w.~+/-]+=*)$/i.exec(header)?.[1];
  try {
    if (!verifier) throw new AuthError('no_issuer', 'no identity provider is configured (HOTLINE_OIDC_ISSUER)', 503);
    ctx.state.principal = await verifier.verify(token);
  } catch (e) {
    const err = e instanceof AuthError ? e : new AuthError('invalid_token', 'token rejected');
    await ctx.state.audit('auth.denied', null, 'denied', {
      details: { code: err.code, route: `${ctx.method} ${ctx._matchedRoute ?? ctx.path}` },
    });
    ctx.set('www-authenticate', bearerChallenge(err.message));
    throw new HttpError(err.status, err.code, err.message);
  }
  if (!can(ctx.state.principal, rule.action)) {
    await ctx.state.audit(rule.action, objectOf(ctx), 'denied', { details: { missing: rule.action } });
    throw rule.deny === 404
      ? new HttpError(404, 'not_found', 'not found')
      : new HttpError(403, 'forbidden', `your roles do not allow ${rule.action}`);
  }
}

const objectOf = (ctx: Context) => (ctx.params?.id ? { type: 'conversation', id: String(ctx.params.id) } : null);

export type { Action };

/** The WWW-Authenticate challenge: a header value is visible ASCII only (a curly quote in it made Node throw). */
export function bearerChallenge(description: string): string {
  const safe = description.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'");
  return `Bearer realm="hotline", error="invalid_token", error_description="${safe}"`;
}
