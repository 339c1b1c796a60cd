import crypto from 'node:crypto';
import path from 'node:path';
import { LocalIssuer, startLocalIssuer } from '../../src/dev-idp/local-issuer';
import { clientCredentialsToken, signInWithPkce } from '../../src/dev-idp/pkce-client';

/** A local issuer per test file, built from the realm export, with a password and a recorder secret made now. */
export const KEYCLOAK_DIR = path.resolve(__dirname, '..', '..', '..', 'policies', 'keycloak');

export interface TestIdp {
  issuer: string;
  /** an access token for a demo user, obtained through the console's authorization code + PKCE flow */
  tokenFor(username: string): Promise<string>;
  /** a new code + PKCE sign-in (a new SSO session), never cached */
  signInAgain(username: string): Promise<string>;
  /** the same sign-in's ID token: aud is the console, not the API */
  idTokenFor(username: string): Promise<string>;
  /** the call recorder's token (client credentials) */
  recorderToken(): Promise<string>;
  /** every demo user's password (the browser tests type it into the sign-in form) */
  password: string;
  close(): Promise<void>;
}

export async function startTestIdp(o: { consoleOrigins?: string[] } = {}): Promise<TestIdp> {
  const password = crypto.randomBytes(12).toString('base64url');
  const secret = crypto.randomBytes(24).toString('base64url');
  const idp: LocalIssuer = await startLocalIssuer({
    realmFile: path.join(KEYCLOAK_DIR, 'realm-hotline.json'),
    usersFile: path.join(KEYCLOAK_DIR, 'demo-users.json'),
    password,
    clientSecrets: { 'hotline-recorder': secret },
    env: 'test',
    consoleOrigins: o.consoleOrigins,
  });
  const cache = new Map<string, { token: string; exp: number }>();
  const fresh = (k: string) => {
    const c = cache.get(k);
    return c && c.exp > Date.now() / 1000 + 60 ? c.token : undefined;
  };
  const remember = (k: string, token: string) => {
    cache.set(k, { token, exp: JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp });
    return token;
  };
  return {
    issuer: idp.issuer,
    password,
    close: () => idp.close(),
    async recorderToken() {
      return (
        fresh('recorder') ?? remember('recorder', await clientCredentialsToken(idp.issuer, 'hotline-recorder', secret))
      );
    },
    async tokenFor(username: string) {
      const hit = fresh(username);
      if (hit) return hit;
      const body = await signInWithPkce(idp.issuer, username, password);
      remember(`id:${username}`, body.id_token);
      return remember(username, body.access_token);
    },
    async signInAgain(username: string) {
      return (await signInWithPkce(idp.issuer, username, password)).access_token;
    },
    async idTokenFor(username: string) {
      await this.tokenFor(username);
      return fresh(`id:${username}`) ?? cache.get(`id:${username}`)!.token;
    },
  };
}
