import crypto from 'node:crypto';

/**
 * The console's side of authorization code + PKCE (S256) at the bank's Keycloak, run by the appliance's server
 * (backend-for-frontend): the browser never holds a token. Keycloak's endpoint paths under the realm issuer.
 */
export const oidcEndpoints = (issuer: string) => ({
  authorize: `${issuer}/protocol/openid-connect/auth`,
  token: `${issuer}/protocol/openid-connect/token`,
  logout: `${issuer}/protocol/openid-connect/logout`,
});

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
}

export class OidcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

async function tokenRequest(issuer: string, form: Record<string, string>): Promise<TokenSet> {
  let res: Response;
  try {
    res = await fetch(oidcEndpoints(issuer).token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new OidcError('idp_unreachable', `the identity provider did not answer (${(e as Error).message})`);
  }
  const body = (await res.json().catch(() => ({}))) as TokenSet & { error?: string; error_description?: string };
  if (!res.ok || !body.access_token)
    throw new OidcError(body.error ?? 'token_error', body.error_description ?? `token endpoint answered ${res.status}`);
  return body;
}

export const exchangeCode = (
  issuer: string,
  o: { clientId: string; code: string; redirectUri: string; verifier: string },
) =>
  tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: o.clientId,
    code: o.code,
    redirect_uri: o.redirectUri,
    code_verifier: o.verifier,
  });

export const refreshTokens = (issuer: string, o: { clientId: string; refreshToken: string }) =>
  tokenRequest(issuer, { grant_type: 'refresh_token', client_id: o.clientId, refresh_token: o.refreshToken });

/** Where the browser goes to end the Keycloak session too (RP-initiated logout). */
export function endSessionUrl(issuer: string, o: { clientId: string; idToken: string | null; after: string }): string {
  const u = new URL(oidcEndpoints(issuer).logout);
  u.searchParams.set('client_id', o.clientId);
  u.searchParams.set('post_logout_redirect_uri', o.after);
  if (o.idToken) u.searchParams.set('id_token_hint', o.idToken);
  return u.href;
}
