import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIssuer, LocalIssuer } from '../../src/dev-idp/local-issuer';
import { AuthError, TokenVerifier } from '../../src/auth/token-verifier';

/**
 * The console's sign-in: authorization code + PKCE against the local issuer (Keycloak's paths, built from the realm
 * export), driven by a plain HTTP client that keeps cookies and follows redirects by hand, as a browser would.
 */
const KC = path.resolve(__dirname, '..', '..', '..', 'policies', 'keycloak');
const PASSWORD = crypto.randomBytes(12).toString('base64url'); // generated at test time
const REDIRECT = 'http://127.0.0.1:8080/auth/callback';
let idp: LocalIssuer;

beforeAll(async () => {
  idp = await startLocalIssuer({
    realmFile: path.join(KC, 'realm-hotline.json'),
    usersFile: path.join(KC, 'demo-users.json'),
    password: PASSWORD,
    env: 'test',
  });
});
afterAll(async () => idp?.close());

class Browser {
  jar = new Map<string, string>();
  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      const v = kv.slice(i + 1);
      if (v === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(kv.slice(0, i));
      else this.jar.set(kv.slice(0, i), v);
    }
    return res;
  }
  /** follows redirects until one leaves for `stopAt` (the console's callback), returning that URL */
  async follow(res: Response, base: string, stopAt: string): Promise<{ res: Response; url?: URL }> {
    while (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location')!, base);
      if (next.href.startsWith(stopAt)) return { res, url: next };
      res = await this.go(next.href);
      base = next.href;
    }
    return { res };
  }
}

async function signIn(username: string, password = PASSWORD) {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const state = crypto.randomBytes(8).toString('hex');
  const disco = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
  const b = new Browser();
  const auth = new URL(disco.authorization_endpoint);
  Object.entries({
    client_id: 'hotline-console',
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).forEach(([k, v]) => auth.searchParams.set(k, v));
  const { res } = await b.follow(await b.go(auth.href), auth.href, REDIRECT);
  expect(res.status).toBe(200);
  const html = await res.text();
  const action = new URL(/action="([^"]+)"/.exec(html)![1], idp.issuer).href;
  const post = await b.go(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  if (post.status === 401) return { rejected: await post.text() };
  const done = await b.follow(post, action, REDIRECT);
  expect(done.url?.searchParams.get('state')).toBe(state);
  const code = done.url!.searchParams.get('code')!;
  const tok = await fetch(disco.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: 'hotline-console',
      code_verifier: verifier,
    }).toString(),
  });
  return { disco, tokens: (await tok.json()) as Record<string, string>, status: tok.status };
}

describe('local issuer with Keycloak paths and claims', () => {
  it('publishes discovery at Keycloak’s paths', async () => {
    const d = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    expect(d.issuer).toBe(idp.issuer);
    for (const [k, p] of [
      ['authorization_endpoint', 'auth'],
      ['token_endpoint', 'token'],
      ['jwks_uri', 'certs'],
      ['userinfo_endpoint', 'userinfo'],
      ['end_session_endpoint', 'logout'],
    ])
      expect(d[k]).toBe(`${idp.issuer}/protocol/openid-connect/${p}`);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('authorization code + PKCE gives a Keycloak-shaped access token the API verifier accepts', async () => {
    const r = await signIn('sara');
    expect(r.status).toBe(200);
    const p = await new TokenVerifier({ issuer: idp.issuer }).verify(r.tokens!.access_token);
    expect(p).toMatchObject({ username: 'sara', roles: ['supervisor'], teams: ['team-cards'] });
    expect(p.permissions).toEqual(expect.arrayContaining(['transcript:read', 'transcript:unmask', 'verdict:review']));
    expect(p.permissions).not.toContain('policy:approve');
    const claims = JSON.parse(Buffer.from(r.tokens!.access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({
      typ: 'Bearer',
      azp: 'hotline-console',
      aud: 'hotline-api',
      groups: ['/teams/team-cards'],
    });
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(300);
    // the ID token and the refresh token are not access tokens
    for (const other of [r.tokens!.id_token, r.tokens!.refresh_token].filter(Boolean)) {
      const e = await new TokenVerifier({ issuer: idp.issuer }).verify(other).catch((x) => x);
      expect(e).toBeInstanceOf(AuthError);
    }
  });

  it('admin and auditor get no content permissions (separation of duties)', async () => {
    for (const u of ['adam', 'otto']) {
      const p = await new TokenVerifier({ issuer: idp.issuer }).verify((await signIn(u)).tokens!.access_token);
      expect(p.permissions).not.toContain('transcript:read');
    }
  });

  it('a wrong password is refused at the login form, and a code without its PKCE verifier is worthless', async () => {
    const bad = await signIn('anna', 'not-the-password');
    expect(bad.rejected).toMatch(/Invalid username or password/);
    const d = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    const noPkce = new URL(d.authorization_endpoint);
    Object.entries({
      client_id: 'hotline-console',
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid',
    }).forEach(([k, v]) => noPkce.searchParams.set(k, v));
    const res = await fetch(noPkce, { redirect: 'manual' });
    const loc = res.headers.get('location') ?? '';
    expect(loc).toMatch(/error=invalid_request/);
    expect(decodeURIComponent(loc).replace(/\+/g, ' ')).toMatch(/PKCE|code_challenge/i);
  });

  it('refuses to start in production or off loopback', async () => {
    const base = {
      realmFile: path.join(KC, 'realm-hotline.json'),
      usersFile: path.join(KC, 'demo-users.json'),
      password: PASSWORD,
    };
    await expect(startLocalIssuer({ ...base, env: 'production' })).rejects.toThrow(/refuses to start in production/);
    await expect(startLocalIssuer({ ...base, env: 'test', host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
  });
});

describe('machine clients', () => {
  it('a recorder gets an access token by client credentials that carries only conversation:ingest', async () => {
    const secret = crypto.randomBytes(24).toString('base64url');
    const own = await startLocalIssuer({
      realmFile: path.join(KC, 'realm-hotline.json'),
      usersFile: path.join(KC, 'demo-users.json'),
      password: PASSWORD,
      clientSecrets: { 'hotline-recorder': secret },
      env: 'test',
    });
    try {
      const token = async (s: string) =>
        fetch(`${own.issuer}/protocol/openid-connect/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`hotline-recorder:${s}`).toString('base64')}`,
          },
          body: 'grant_type=client_credentials',
        });
      const res = await token(secret);
      expect(res.status).toBe(200);
      const p = await new TokenVerifier({ issuer: own.issuer }).verify(
        ((await res.json()) as { access_token: string }).access_token,
      );
      expect(p).toMatchObject({
        username: 'service-account-hotline-recorder',
        roles: [],
        permissions: ['conversation:ingest'],
        teams: [],
      });
      expect((await token('wrong')).status).toBe(401);
    } finally {
      await own.close();
    }
  });
});
