import dns from 'node:dns';
import net from 'node:net';

/**
 * The appliance's runtime egress guard: every outgoing TCP connection (net, tls, http, https and fetch/undici all
 * end in `net.Socket.prototype.connect`) and every name lookup is checked against an allowlist before anything is
 * sent; anything else is refused with EGRESS_REFUSED and reported. The allowlist is the database, Redis and the
 * identity provider taken from the configuration, loopback, and what the operator adds (HOTLINE_EGRESS_ALLOW).
 *
 * Why not only diagnostics channels: in Node 20 `net.client.socket` reports a socket when it is created, before its
 * destination is known, and cannot stop it; the guard has to sit where the destination is given.
 */
export interface EgressRefusal {
  host: string;
  port: number | null;
  via: 'connect' | 'lookup';
}

export const EGRESS_REFUSED = 'EGRESS_REFUSED';

export function egressRefusedError(r: EgressRefusal): Error {
  return Object.assign(
    new Error(`egress refused: ${r.host}${r.port === null ? '' : `:${r.port}`} is not an allowed destination`),
    { code: EGRESS_REFUSED },
  );
}

/** The hosts of these URLs (database, Redis, identity provider, …), without ports, lower case. */
export function hostsOf(urls: Array<string | undefined>): string[] {
  const out: string[] = [];
  for (const u of urls) {
    if (!u) continue;
    try {
      const h = new URL(u).hostname.replace(/^\[|\]$/g, '').toLowerCase();
      if (h) out.push(h);
    } catch {
      // not a URL: nothing to allow
    }
  }
  return out;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

export class EgressPolicy {
  private readonly allowed: Set<string>;
  constructor(allow: string[]) {
    this.allowed = new Set(
      allow
        .map((h) =>
          h
            .trim()
            .replace(/^\[|\]$/g, '')
            .toLowerCase(),
        )
        .filter(Boolean),
    );
  }
  allows(host: string): boolean {
    const h = host.replace(/^\[|\]$/g, '').toLowerCase();
    return isLoopback(h) || this.allowed.has(h);
  }
  list(): string[] {
    return [...this.allowed].sort();
  }
}

type ConnectArgs = unknown[];

/** The destination of a `Socket#connect` call, in any of its forms; `path` for a local (Unix) socket. */
function destination(args: ConnectArgs): { host?: string; port?: number; path?: string } {
  let a: unknown = args[0];
  // net.connect() hands the socket its arguments already normalised, as an array
  if (Array.isArray(a)) a = a[0];
  if (a && typeof a === 'object') {
    const o = a as { host?: unknown; port?: unknown; path?: unknown };
    if (typeof o.path === 'string') return { path: o.path };
    return { host: typeof o.host === 'string' ? o.host : 'localhost', port: Number(o.port) || undefined };
  }
  if (typeof a === 'string' && !/^\d+$/.test(a)) return { path: a };
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(a) || undefined };
}

let installed: (() => void) | null = null;

/**
 * Installs the guard in this process (once; a second call replaces the first). Returns the function that removes it.
 * `onRefuse` hears of every refusal (the processes log it: host and port only).
 */
export function installEgressGuard(policy: EgressPolicy, onRefuse: (r: EgressRefusal) => void): () => void {
  installed?.();
  const proto = net.Socket.prototype as unknown as { connect: (...a: ConnectArgs) => net.Socket };
  const connect = proto.connect;
  const lookup = dns.lookup;
  const lookupP = dns.promises.lookup;

  proto.connect = function guardedConnect(this: net.Socket, ...args: ConnectArgs) {
    const d = destination(args);
    if (d.path === undefined && d.host !== undefined && !policy.allows(d.host)) {
      const r: EgressRefusal = { host: d.host, port: d.port ?? null, via: 'connect' };
      onRefuse(r);
      const err = egressRefusedError(r);
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return connect.apply(this, args);
  };
  const guardedLookup = function (this: unknown, hostname: string, ...rest: unknown[]) {
    if (typeof hostname === 'string' && !policy.allows(hostname)) {
      const r: EgressRefusal = { host: hostname, port: null, via: 'lookup' };
      onRefuse(r);
      const cb = rest[rest.length - 1];
      if (typeof cb === 'function') process.nextTick(() => (cb as (e: Error) => void)(egressRefusedError(r)));
      return {} as never;
    }
    return (lookup as (...a: unknown[]) => unknown).call(this, hostname, ...rest);
  };
  (dns as { lookup: unknown }).lookup = guardedLookup;
  (dns.promises as { lookup: unknown }).lookup = async (hostname: string, ...rest: unknown[]) => {
    if (typeof hostname === 'string' && !policy.allows(hostname)) {
      const r: EgressRefusal = { host: hostname, port: null, via: 'lookup' };
      onRefuse(r);
      throw egressRefusedError(r);
    }
    return (lookupP as (...a: unknown[]) => unknown)(hostname, ...rest);
  };
  const remove = () => {
    proto.connect = connect;
    (dns as { lookup: unknown }).lookup = lookup;
    (dns.promises as { lookup: unknown }).lookup = lookupP;
    installed = null;
  };
  installed = remove;
  return remove;
}
