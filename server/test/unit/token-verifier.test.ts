import http from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, TokenVerifier } from '../../src/auth/token-verifier';
import { bearerChallenge, DeniedTokenLimiter } from '../../src/app/auth';

/** Keys are generated here, at test time; a local server plays the realm's JWKS endpoint. */
type KP = Awaited<ReturnType<typeof generateKeyPair>>;
let server: http.Server;
let issuer: string;
let published: JWK[] = [];
let fetches = 0;
let k1: KP;
let k2: KP;
let stranger: KP;

beforeAll(async () => {
  [k1, k2, stranger] = await Promise.all([
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('RS256', { extractable: true }),
  ]);
  published = [{ ...(await exportJWK(k1.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  server = http.createServer((req, res) => {
    if (req.url === '/realms/hotline/protocol/openid-connect/certs') {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: published }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/hotline`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const claims = () => ({
  typ: 'Bearer',
  azp: 'hotline-console',
  sid: 'sso-session-1',
  preferred_username: 'anna',
  realm_access: { roles: ['agent', 'offline_access', 'default-roles-hotline'] },
  resource_access: {
    'hotline-api': { roles: ['transcript:read', 'recording:play'] },
    account: { roles: ['view-profile'] },
  },
  groups: ['/teams/team-cards'],
});

function sign(
  opts: {
    key?: KP;
    kid?: string;
    alg?: string;
    iss?: string;
    aud?: string | string[] | null;
    exp?: number;
    nbf?: number;
    extra?: Record<string, unknown>;
  } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...claims(), ...opts.extra })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? 'k1', typ: 'JWT' })
    .setIssuer(opts.iss ?? issuer)
    .setSubject('0b7e4d6c-user-anna')
    .setIssuedAt(now - 5)
    .setJti('jti-1')
    .setExpirationTime(opts.exp ?? now + 300);
  if (opts.aud !== null) jwt.setAudience(opts.aud ?? ['hotline-api', 'account']);
  if (opts.nbf) jwt.setNotBefore(opts.nbf);
  return jwt.sign((opts.key ?? k1).privateKey);
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function rejected(token: string | undefined, code: string, v = new TokenVerifier({ issuer })) {
  const e = await v.verify(token).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(AuthError);
  expect([(e as AuthError).status, (e as AuthError).code]).toEqual([401, code]);
}

describe('access token verification (jose, Keycloak claims)', () => {
  it('accepts a Keycloak access token and reads roles, API permissions and teams', async () => {
    const p = await new TokenVerifier({ issuer }).verify(await sign());
    expect(p).toEqual({
      sub: '0b7e4d6c-user-anna',
      username: 'anna',
      roles: ['agent'],
      permissions: ['transcript:read', 'recording:play'],
      teams: ['team-cards'],
      tokenId: 'jti-1',
      sessionId: 'sso-session-1',
      client: 'hotline-console',
      expiresAt: expect.any(Number),
    });
    expect(p.expiresAt! - Date.now()).toBeGreaterThan(0);
  });

  it('teams come from group membership under /teams only: an attribute claim or another group gives none', async () => {
    const v = new TokenVerifier({ issuer });
    // a `team_ids` claim (what a user-attribute mapper would put there, editable by whoever edits attributes)
    const attr = await v.verify(await sign({ extra: { team_ids: ['team-cards', 'team-loans'], groups: [] } }));
    expect(attr.teams).toEqual([]);
    const mixed = await v.verify(
      await sign({
        extra: { groups: ['/teams/team-loans', '/other/team-cards', '/teams', '/teamsX/y', '/teams/team-gov/night'] },
      }),
    );
    expect(mixed.teams).toEqual(['team-loans', 'team-gov']);
    const custom = new TokenVerifier({ issuer, teamGroupPath: '/org/hotline/teams' });
    expect(
      (await custom.verify(await sign({ extra: { groups: ['/org/hotline/teams/t1', '/teams/t2'] } }))).teams,
    ).toEqual(['t1']);
  });

  it('the negative set each gets 401 with its own reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await sign();
    const [h, p] = good.split('.');
    // alg: none, unsigned
    await rejected(`${b64({ alg: 'none', typ: 'JWT' })}.${p}.`, 'algorithm_not_allowed');
    // HS256 "signed" with the public key (the classic key-confusion attack)
    const pem = await import('node:crypto').then((c) =>
      c.createPublicKey({ key: published[0] as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }),
    );
    const hs = new SignJWT(JSON.parse(Buffer.from(p, 'base64url').toString())).setProtectedHeader({
      alg: 'HS256',
      kid: 'k1',
    });
    await rejected(await hs.sign(new TextEncoder().encode(String(pem))), 'algorithm_not_allowed');
    await rejected(await sign({ iss: 'http://127.0.0.1:1/realms/other' }), 'wrong_issuer');
    await rejected(await sign({ aud: null }), 'wrong_audience');
    await rejected(await sign({ aud: 'account' }), 'wrong_audience');
    await rejected(await sign({ exp: now - 120 }), 'token_expired');
    await rejected(await sign({ nbf: now + 600 }), 'token_not_yet_valid');
    await rejected(await sign({ key: stranger, kid: 'who' }), 'unknown_key');
    await rejected(await sign({ key: stranger, kid: 'k1' }), 'bad_signature');
    await rejected(await sign({ extra: { azp: 'some-other-app' } }), 'client_not_allowed');
    await rejected(await sign({ extra: { azp: undefined } }), 'client_not_allowed');
    await rejected(await sign({ extra: { typ: 'ID' } }), 'not_access_token');
    await rejected(await sign({ extra: { typ: 'Refresh' } }), 'not_access_token');
    await rejected(`${h}.${p}.${'A'.repeat(342)}`, 'bad_signature');
    await rejected('garbage', 'malformed_token');
    await rejected('a.b.c', 'malformed_token');
    await rejected(undefined, 'missing_token');
  });

  it('tolerates a small clock skew, not more', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(new TokenVerifier({ issuer }).verify(await sign({ exp: now - 10 }))).resolves.toMatchObject({
      username: 'anna',
    });
    await rejected(await sign({ exp: now - 45 }), 'token_expired');
  });

  it('follows key rotation with one refetch, and refetches at most once per cooldown for unknown kids', async () => {
    const v = new TokenVerifier({ issuer, jwksCooldownMs: 300 });
    await v.verify(await sign());
    const before = fetches;
    await new Promise((r) => setTimeout(r, 350)); // past the cooldown that follows the first fetch
    published = [...published, { ...(await exportJWK(k2.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' }];
    await expect(v.verify(await sign({ key: k2, kid: 'k2' }))).resolves.toMatchObject({ username: 'anna' });
    expect(fetches - before).toBe(1);
    // a burst of tokens with unknown kids: no refetch storm
    for (let i = 0; i < 5; i++) await rejected(await sign({ key: stranger, kid: `x${i}` }), 'unknown_key', v);
    expect(fetches - before).toBe(1);
  });

  it('refuses to be configured with none or HMAC algorithms; an unreachable issuer is 503, not 401', async () => {
    expect(() => new TokenVerifier({ issuer, algorithms: ['RS256', 'HS256'] })).toThrow(/asymmetric/);
    const e = (await new TokenVerifier({ issuer: 'http://127.0.0.1:9/realms/hotline' })
      .verify(await sign())
      .catch((x) => x)) as AuthError;
    expect([e.status, e.code]).toEqual([503, 'issuer_unreachable']);
  });
});

describe('the WWW-Authenticate challenge', () => {
  it('is a valid header value whatever the reason says (a curly apostrophe made Node answer 500)', async () => {
    const { validateHeaderValue } = await import('node:http');
    const v = bearerChallenge('the identity provider’s keys could not be fetched: "timeout" \\ 証');
    expect(() => validateHeaderValue('www-authenticate', v)).not.toThrow();
    expect(v).toBe(
      `Bearer realm="hotline", error="invalid_token", error_description="the identity provider?s keys could not be fetched: 'timeout' ' ?"`,
    );
  });
});

describe('rejected tokens in the audit trail', () => {
  it('are written one by one up to the limit per window, then counted into one summary event', () => {
    let now = 0;
    const l = new DeniedTokenLimiter(3, 60_000, () => now);
    expect([l.admit(), l.admit(), l.admit()]).toEqual([0, 0, 0]);
    expect([l.admit(), l.admit()]).toEqual([false, false]);
    now = 60_000;
    expect(l.admit()).toBe(2); // the next window's first event comes after a summary of the 2 suppressed
    expect(l.admit()).toBe(0);
  });
});
