import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Koa from 'koa';
import type { TokenVerifier } from '../auth/token-verifier';
import { endSessionUrl, exchangeCode, oidcEndpoints, OidcError, pkcePair, refreshTokens } from '../auth/oidc-client';
import { HttpError } from '../lib/errors';
import type { ConsoleSessionStore } from '../repositories/console-sessions';

/** the operators' endpoints beside the API, never the console's pages */
const OPERATIONS_PATHS = ['/healthz', '/readyz', '/metrics'];

/**
 * The web console, served by the appliance itself (same origin as the API):
 * - sign-in as a backend-for-frontend (docs/ARCHITECTURE.md): `/auth/login` sends the browser to Keycloak with
 *   code + PKCE, `/auth/callback` exchanges the code here and keeps the tokens in a server-side session; the browser
 *   holds only an HttpOnly, SameSite=Strict cookie (Secure under TLS). `/auth/me` says who is signed in and what
 *   they may do, `/auth/logout` ends the session here and returns Keycloak's end-session URL.
 * - the cookie stands in for the bearer token on `/api/` requests (the access token is verified as any other, and
 *   refreshed shortly before it expires); a state-changing request by cookie must carry `x-hotline-csrf: 1`, which
 *   a cross-site form cannot send.
 * - the built console (console/dist) with a Content-Security-Policy that allows nothing from elsewhere and no inline
 *   script; styles the component library injects carry a per-response nonce.
 */
export const SESSION_COOKIE = 'hotline_session';
const CLIENT_ID = 'hotline-console';

export interface ConsoleOptions {
  issuer: string | undefined;
  sessions: ConsoleSessionStore;
  verifier: TokenVerifier | undefined;
  /** console/dist; absent: the console is not served (API only) */
  distDir: string | undefined;
  /** the appliance's public origin (https://hotline.bank.internal); default: the request's own origin */
  publicUrl: string | undefined;
  tls: boolean;
  /** whether unmasking needs a second person's approval here (the console then offers to ask and to decide) */
  unmaskApproval: 'off' | 'two-person';
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function cookieOf(ctx: Koa.Context): string | undefined {
  const v = ctx.cookies.get(SESSION_COOKIE);
  return v && /^[\w-]{20,100}$/.test(v) ? v : undefined;
}

/** Only a path on this origin: "/x", never "//elsewhere" or "https://…". */
const safeNext = (n: unknown) => (typeof n === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(n) ? n : '/');

export function consoleMiddleware(o: ConsoleOptions): Koa.Middleware {
  const origin = (ctx: Koa.Context) => (o.publicUrl ?? `${ctx.protocol}://${ctx.host}`).replace(/\/$/, '');
  const setCookie = (ctx: Koa.Context, value: string | null) =>
    ctx.cookies.set(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: o.tls,
      path: '/',
      overwrite: true,
    });
  const index = o.distDir ? path.join(o.distDir, 'index.html') : undefined;
  const issuerOrigin = o.issuer ? new URL(o.issuer).origin : '';

  async function login(ctx: Koa.Context) {
    if (!o.issuer) throw new HttpError(503, 'no_issuer', 'no identity provider is configured (HOTLINE_OIDC_ISSUER)');
    const state = crypto.randomBytes(16).toString('base64url');
    const nonce = crypto.randomBytes(16).toString('base64url');
    const { verifier, challenge } = pkcePair();
    const redirectUri = `${origin(ctx)}/auth/callback`;
    await o.sessions.putLogin(state, { verifier, nonce, next: safeNext(ctx.query.next), redirectUri });
    const u = new URL(oidcEndpoints(o.issuer).authorize);
    for (const [k, v] of Object.entries({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }))
      u.searchParams.set(k, v);
    ctx.redirect(u.href);
  }

  async function callback(ctx: Koa.Context) {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    const pending = state ? await o.sessions.takeLogin(state) : null;
    if (!pending || !code || !o.issuer || !o.verifier) {
      // an old or replayed callback: start again, with a word for the person
      ctx.redirect('/?signin=expired');
      return;
    }
    let tokens;
    try {
      tokens = await exchangeCode(o.issuer, {
        clientId: CLIENT_ID,
        code,
        redirectUri: pending.redirectUri,
        verifier: pending.verifier,
      });
    } catch (e) {
      ctx.state.log.warn({ err: (e as OidcError).code ?? 'token_error' }, 'console sign-in: code exchange failed');
      ctx.redirect('/?signin=failed');
      return;
    }
    const principal = await o.verifier.verify(tokens.access_token);
    const id = await o.sessions.create({
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      idToken: tokens.id_token ?? null,
      accessExpiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000,
      username: principal.username,
      createdAt: Date.now(),
    });
    setCookie(ctx, id);
    await ctx.state.audit('auth.console_sign_in', null, 'allowed', { details: { client: CLIENT_ID } });
    ctx.redirect(pending.next);
  }

  /** The session's access token, refreshed when it has under 30 s left; null when the session has ended. */
  async function accessToken(id: string): Promise<string | null> {
    const s = await o.sessions.get(id);
    if (!s) return null;
    if (s.accessExpiresAt - Date.now() > 30_000) return s.accessToken;
    if (!s.refreshToken || !o.issuer) return null;
    try {
      const t = await refreshTokens(o.issuer, { clientId: CLIENT_ID, refreshToken: s.refreshToken });
      const next = {
        ...s,
        accessToken: t.access_token,
        refreshToken: t.refresh_token ?? s.refreshToken,
        idToken: t.id_token ?? s.idToken,
        accessExpiresAt: Date.now() + (t.expires_in ?? 300) * 1000,
      };
      await o.sessions.update(id, next);
      return next.accessToken;
    } catch (e) {
      if (e instanceof OidcError && e.code === 'idp_unreachable')
        throw new HttpError(503, 'idp_unreachable', 'the identity provider cannot be reached; try again shortly');
      await o.sessions.delete(id); // Keycloak ended the session (logout, revocation, its own limits)
      return null;
    }
  }

  async function me(ctx: Koa.Context) {
    const id = cookieOf(ctx);
    const token = id ? await accessToken(id) : null;
    if (!token || !o.verifier) {
      ctx.status = 401;
      ctx.body = {
        error: {
          code: id ? 'session_expired' : 'signed_out',
          message: id ? 'your session has ended; sign in again' : 'not signed in',
          requestId: ctx.state.requestId,
        },
      };
      return;
    }
    const p = await o.verifier.verify(token);
    ctx.set('cache-control', 'no-store');
    ctx.body = {
      username: p.username,
      roles: p.roles,
      permissions: p.permissions,
      teams: p.teams,
      idleTimeoutS: o.sessions.idleS,
      unmaskApproval: o.unmaskApproval,
    };
  }

  async function logout(ctx: Koa.Context) {
    const id = cookieOf(ctx);
    const s = id ? await o.sessions.get(id) : null;
    if (id) await o.sessions.delete(id);
    setCookie(ctx, null);
    if (s) await ctx.state.audit('auth.console_sign_out', null, 'allowed', { details: { user: s.username } });
    ctx.body = {
      endSessionUrl: o.issuer
        ? endSessionUrl(o.issuer, { clientId: CLIENT_ID, idToken: s?.idToken ?? null, after: `${origin(ctx)}/` })
        : null,
    };
  }

  function securityHeaders(ctx: Koa.Context, nonce?: string) {
    ctx.set(
      'content-security-policy',
      [
        "default-src 'self'",
        "script-src 'self'",
        `style-src 'self'${nonce ? ` 'nonce-${nonce}'` : ''}`,
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        `form-action 'self'${issuerOrigin ? ` ${issuerOrigin}` : ''}`,
      ].join('; '),
    );
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('referrer-policy', 'no-referrer');
    ctx.set('x-frame-options', 'DENY');
    if (o.tls) ctx.set('strict-transport-security', 'max-age=31536000');
  }

  function serveStatic(ctx: Koa.Context): boolean {
    if (!o.distDir || !index || !fs.existsSync(index)) return false;
    const rel = decodeURIComponent(ctx.path).replace(/^\/+/, '');
    const file = path.resolve(o.distDir, rel);
    if (
      rel &&
      file.startsWith(path.resolve(o.distDir) + path.sep) &&
      fs.existsSync(file) &&
      fs.statSync(file).isFile()
    ) {
      securityHeaders(ctx);
      ctx.type = TYPES[path.extname(file)] ?? 'application/octet-stream';
      // hashed asset names never change: cache them; anything else revalidates
      ctx.set('cache-control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      ctx.body = fs.createReadStream(file);
      return true;
    }
    // every other path is a page of the single-page app
    const nonce = crypto.randomBytes(16).toString('base64');
    securityHeaders(ctx, nonce);
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('cache-control', 'no-store');
    ctx.body = fs.readFileSync(index, 'utf8').replace('__CSP_NONCE__', nonce);
    return true;
  }

  return async (ctx, next) => {
    const p = ctx.path;
    if (p === '/auth/login' && ctx.method === 'GET') return login(ctx);
    if (p === '/auth/callback' && ctx.method === 'GET') return callback(ctx);
    if (p === '/auth/me' && ctx.method === 'GET') return me(ctx);
    if (p === '/auth/logout' && ctx.method === 'POST') {
      if (ctx.get('x-hotline-csrf') !== '1') throw new HttpError(403, 'csrf', 'x-hotline-csrf: 1 is required');
      return logout(ctx);
    }
    if (p.startsWith('/api/')) {
      const id = !ctx.get('authorization') ? cookieOf(ctx) : undefined;
      if (id) {
        if (!['GET', 'HEAD'].includes(ctx.method) && ctx.get('x-hotline-csrf') !== '1')
          throw new HttpError(
            403,
            'csrf',
            'a request by session cookie that changes something needs x-hotline-csrf: 1',
          );
        const token = await accessToken(id);
        if (token) ctx.request.headers.authorization = `Bearer ${token}`;
        else ctx.set('x-hotline-session', 'expired');
      }
      return next();
    }
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && !OPERATIONS_PATHS.includes(p)) if (serveStatic(ctx)) return;
    return next();
  };
}
