import crypto from 'node:crypto';

/**
 * Signs a user in at an OpenID provider the way the console does (authorization code + PKCE S256), as a plain
 * HTTP client that keeps cookies and follows redirects. Used by the demo and the tests against the local issuer.
 */
export const CONSOLE_REDIRECT = 'http://127.0.0.1:8080/auth/callback';

export async function signInWithPkce(
  issuer: string,
  username: string,
  password: string,
  clientId = 'hotline-console',
  redirect = CONSOLE_REDIRECT,
): Promise<{ access_token: string; id_token: string; refresh_token?: string }> {
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return res;
  };
  const verifier = crypto.randomBytes(32).toString('base64url');
  const state = crypto.randomBytes(8).toString('hex');
  const auth = new URL(`${issuer}/protocol/openid-connect/auth`);
  const q = {
    client_id: clientId,
    redirect_uri: redirect,
    response_type: 'code',
    scope: 'openid',
    state,
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  Object.entries(q).forEach(([k, v]) => auth.searchParams.set(k, v));
  let url = auth.href;
  let res = await go(url);
  while (res.status >= 300 && res.status < 400) res = await go((url = new URL(res.headers.get('location')!, url).href));
  const form = /action="([^"]+)"/.exec(await res.text());
  if (!form) throw new Error(`no sign-in form at ${url} (${res.status})`);
  const action = new URL(form[1], issuer).href;
  res = await go(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  url = action;
  let code: string | null = null;
  while (res.status >= 300 && res.status < 400) {
    const next = new URL(res.headers.get('location')!, url);
    if (next.href.startsWith(redirect)) {
      if (next.searchParams.get('state') !== state) throw new Error('state mismatch');
      code = next.searchParams.get('code');
      break;
    }
    res = await go((url = next.href));
  }
  if (!code) throw new Error(`sign-in of ${username} failed (${res.status})`);
  const tok = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect,
      client_id: clientId,
      code_verifier: verifier,
    }).toString(),
  });
  if (tok.status !== 200) throw new Error(`token endpoint answered ${tok.status}`);
  return (await tok.json()) as { access_token: string; id_token: string; refresh_token?: string };
}

/** A machine client's access token (client credentials, HTTP Basic). */
export async function clientCredentialsToken(issuer: string, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status} to ${clientId}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
