import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';

/**
 * A real OpenID Provider (the certified `oidc-provider` package) that speaks Keycloak's paths and claims, loaded
 * from the same realm export Keycloak imports plus a demo users file. For the demo and tests only: it binds to
 * loopback and refuses to start in production. The appliance's API trusts it exactly as it trusts Keycloak:
 * through its issuer URL and JWKS, with no bypass.
 */
export interface LocalIssuerOptions {
  realmFile: string;
  usersFile: string;
  /** every demo user's password (from HOTLINE_DEMO_PASSWORD, or generated); never written anywhere */
  password: string;
  host?: string;
  port?: number;
  env?: string;
}

interface RealmRole {
  name: string;
  composites?: { client?: Record<string, string[]> };
}
interface RealmGroup {
  name: string;
  path?: string;
  attributes?: Record<string, string[]>;
  subGroups?: RealmGroup[];
}
interface RealmUser {
  username: string;
  enabled?: boolean;
  firstName?: string;
  lastName?: string;
  realmRoles?: string[];
  groups?: string[];
}

export interface LocalIssuer {
  issuer: string;
  close(): Promise<void>;
}

const API_RESOURCE = 'urn:hotline:api';

interface GrantLike {
  addOIDCScope(s: string): void;
  addResourceScope(resource: string, s: string): void;
  save(): Promise<string>;
}
interface GrantContext {
  oidc: {
    provider: { Grant: { find(id: string): Promise<GrantLike | undefined> } & (new (a: { clientId: string; accountId: string }) => GrantLike) };
    client: { clientId: string };
    session: { accountId: string; grantIdFor(clientId: string): string | undefined };
  };
}

function flattenGroups(groups: RealmGroup[], parent = ''): Map<string, RealmGroup> {
  const m = new Map<string, RealmGroup>();
  for (const g of groups) {
    const p = g.path ?? `${parent}/${g.name}`;
    m.set(p, g);
    for (const [k, v] of flattenGroups(g.subGroups ?? [], p)) m.set(k, v);
  }
  return m;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

export async function startLocalIssuer(o: LocalIssuerOptions): Promise<LocalIssuer> {
  if ((o.env ?? process.env.NODE_ENV) === 'production') throw new Error('the local issuer refuses to start in production: point the appliance at Keycloak');
  const host = o.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`the local issuer binds to loopback only (got ${host})`);
  const realm = JSON.parse(fs.readFileSync(o.realmFile, 'utf8'));
  const users: RealmUser[] = JSON.parse(fs.readFileSync(o.usersFile, 'utf8')).users;
  const realmName: string = realm.realm;
  const apiClient = 'hotline-api';
  const roles = new Map<string, RealmRole>((realm.roles.realm as RealmRole[]).map((r) => [r.name, r]));
  const groups = flattenGroups(realm.groups ?? []);
  const salt = crypto.randomBytes(16);
  const pwHash = crypto.scryptSync(o.password, salt, 32);

  const claimsFor = (u: RealmUser) => {
    const realmRoles = [...(u.realmRoles ?? []), 'offline_access', `default-roles-${realmName}`];
    const apiRoles = [...new Set((u.realmRoles ?? []).flatMap((r) => roles.get(r)?.composites?.client?.[apiClient] ?? []))].sort();
    const memberOf = (u.groups ?? []).filter((g) => groups.has(g));
    const teamIds = [...new Set(memberOf.flatMap((g) => groups.get(g)!.attributes?.team_id ?? []))];
    return {
      preferred_username: u.username,
      given_name: u.firstName,
      family_name: u.lastName,
      name: [u.firstName, u.lastName].filter(Boolean).join(' '),
      realm_access: { roles: realmRoles },
      resource_access: apiRoles.length ? { [apiClient]: { roles: apiRoles } } : {},
      groups: memberOf,
      team_ids: teamIds,
    };
  };
  const byName = new Map(users.filter((u) => u.enabled !== false).map((u) => [u.username, u]));
  // Keycloak's subject is a UUID per user; derive a stable one
  const subOf = (username: string) => {
    const h = crypto.createHash('sha256').update(`${realmName}:${username}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const bySub = new Map([...byName.values()].map((u) => [subOf(u.username), u]));

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const prefix = `/realms/${realmName}`;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}${prefix}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: crypto.randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

  const clients = (realm.clients as Array<Record<string, unknown>>)
    .filter((c) => c.standardFlowEnabled && c.publicClient)
    .map((c) => ({
      client_id: c.clientId as string,
      token_endpoint_auth_method: 'none',
      redirect_uris: c.redirectUris as string[],
      post_logout_redirect_uris: String((c.attributes as Record<string, string>)?.['post.logout.redirect.uris'] ?? '')
        .split('##')
        .filter((u) => /^https?:\/\//.test(u)),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }));

  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      jwks: '/protocol/openid-connect/certs',
      userinfo: '/protocol/openid-connect/userinfo',
      end_session: '/protocol/openid-connect/logout',
      revocation: '/protocol/openid-connect/revoke',
      introspection: '/protocol/openid-connect/token/introspect',
    },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'given_name', 'family_name', 'groups'] },
    scopes: ['openid', 'profile', 'offline_access'],
    ttl: { AccessToken: Number(realm.accessTokenLifespan ?? 300), AuthorizationCode: Number(realm.accessCodeLifespan ?? 60), IdToken: 300, RefreshToken: 1800, Session: 36000, Interaction: 1800, Grant: 36000 },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== API_RESOURCE) throw new Error('unknown resource');
          return { scope: 'profile', audience: apiClient, accessTokenTTL: Number(realm.accessTokenLifespan ?? 300), accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    async findAccount(_ctx: unknown, sub: string) {
      const u = bySub.get(sub);
      if (!u) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...claimsFor(u) }) };
    },
    async extraTokenClaims(_ctx: unknown, token: { accountId?: string; clientId?: string }) {
      const u = token.accountId ? bySub.get(token.accountId) : undefined;
      if (!u) return undefined;
      const c = claimsFor(u);
      // Keycloak's access-token shape
      return { typ: 'Bearer', azp: token.clientId, preferred_username: c.preferred_username, realm_access: c.realm_access, resource_access: c.resource_access, groups: c.groups, team_ids: c.team_ids };
    },
    async loadExistingGrant(ctx: GrantContext) {
      // first-party clients: no consent screen, the grant covers the API
      const { Grant } = ctx.oidc.provider;
      const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (existing) return Grant.find(existing);
      const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile offline_access');
      grant.addResourceScope(API_RESOURCE, 'profile');
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${prefix}/login-actions/${interaction.uid}` },
  } as never);
  provider.proxy = false;
  const callback = provider.callback();

  const page = (uid: string, error?: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>Sign in to ${realmName}</title></head><body>
<h1>Sign in</h1><p>Local identity provider for the demo and tests (production uses Keycloak).</p>
${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="${prefix}/login-actions/${uid}"><label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label><button type="submit">Sign in</button></form></body></html>`;

  const failures = new Map<string, { count: number; until: number }>();
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', issuer);
      const m = new RegExp(`^${prefix}/login-actions/([\\w-]+)$`).exec(url.pathname);
      if (m) {
        const details = await provider.interactionDetails(req, res);
        if (details.uid !== m[1]) throw new Error('interaction mismatch');
        if (req.method === 'GET') {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(page(details.uid));
          return;
        }
        const body = await new Promise<string>((resolve) => {
          let b = '';
          req.on('data', (d) => (b += d));
          req.on('end', () => resolve(b));
        });
        const form = new URLSearchParams(body);
        const username = form.get('username') ?? '';
        const user = byName.get(username);
        const f = failures.get(username) ?? { count: 0, until: 0 };
        const locked = f.until > Date.now();
        const ok = !!user && !locked && crypto.timingSafeEqual(crypto.scryptSync(form.get('password') ?? '', salt, 32), pwHash);
        if (!ok) {
          // brute-force protection as the realm says: after failureFactor failures, wait
          f.count++;
          if (f.count >= Number(realm.failureFactor ?? 5)) f.until = Date.now() + Number(realm.waitIncrementSeconds ?? 60) * 1000;
          failures.set(username, f);
          res.statusCode = 401;
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(page(details.uid, locked ? 'Too many failed attempts; try again later.' : 'Invalid username or password.'));
          return;
        }
        failures.delete(username);
        await provider.interactionFinished(req, res, { login: { accountId: subOf(username) } }, { mergeWithLastSubmission: false });
        return;
      }
      if (!url.pathname.startsWith(prefix)) {
        res.writeHead(404).end();
        return;
      }
      // as express does when mounting: the provider derives its mount path from originalUrl vs url
      (req as http.IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url!.slice(prefix.length) || '/';
      callback(req, res);
    } catch (e) {
      res.statusCode = 400;
      res.end(`error: ${(e as Error).message}`);
    }
  });

  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
