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
    const details = { code: err.code, route: `${ctx.method} ${ctx._matchedRoute ?? ctx.path}`, ip: ctx.ip };
    const suppressed = deniedTokens.admit();
    if (suppressed !== false) {
      if (suppressed > 0)
        await ctx.state.audit('auth.denied.suppressed', null, 'denied', {
          details: { count: suppressed, windowS: DENIED_WINDOW_MS / 1000 },
        });
      await ctx.state.audit('auth.denied', null, 'denied', { details });
    } else ctx.state.log.warn(details, 'rejected token not written to the audit trail (rate limit)');
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

/**
 * Rejected tokens are audited one by one up to a limit per window and process; past it they are counted, and the
 * count is written as one `auth.denied.suppressed` event with the next one admitted. A flood of bad tokens (5,175
 * rows in 20 s in the bank's test, each under the trail's global lock) then cannot flood the trail.
 */
export const DENIED_WINDOW_MS = 60_000;
export class DeniedTokenLimiter {
  private windowStart = 0;
  private written = 0;
  private suppressed = 0;
  constructor(
    private readonly limit = 60,
    private readonly windowMs = DENIED_WINDOW_MS,
    private readonly now = () => Date.now(),
  ) {}

  /** false: do not write this one; a number: write it, after a summary of that many suppressed ones (0: none). */
  admit(): number | false {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.windowStart = t;
      this.written = 0;
    }
    if (this.written >= this.limit) {
      this.suppressed++;
      return false;
    }
    this.written++;
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}
const deniedTokens = new DeniedTokenLimiter();
