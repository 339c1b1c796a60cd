import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/** Fired when the server says the session has ended (idle timeout, absolute limit, signed out elsewhere). */
export const sessionEvents = new EventTarget();

/**
 * The API client, typed from the appliance's own OpenAPI document (generated at build time: a changed route breaks
 * this build, not the people using it). Same origin; the session cookie goes along; a request that changes
 * something carries the header a cross-site form cannot send.
 */
const session: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET') request.headers.set('x-hotline-csrf', '1');
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) sessionEvents.dispatchEvent(new Event('ended'));
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(session);

export interface Me {
  username: string;
  roles: string[];
  permissions: string[];
  teams: string[];
  idleTimeoutS: number;
  /** two-person: unmasking needs another person's approval (asked for and decided in the console) */
  unmaskApproval: 'off' | 'two-person';
}

export async function whoAmI(): Promise<Me | { ended: 'session_expired' | 'signed_out' }> {
  const res = await fetch('/auth/me', { credentials: 'same-origin' });
  if (res.status === 401) {
    const b = (await res.json()) as { error: { code: 'session_expired' | 'signed_out' } };
    return { ended: b.error.code };
  }
  if (!res.ok) throw new Error(`/auth/me answered ${res.status}`);
  return (await res.json()) as Me;
}

export async function signOut(): Promise<void> {
  const res = await fetch('/auth/logout', { method: 'POST', headers: { 'x-hotline-csrf': '1' } });
  const b = (await res.json()) as { endSessionUrl: string | null };
  window.location.assign(b.endSessionUrl ?? '/');
}

export const can = (me: Me, permission: string) => me.permissions.includes(permission);
