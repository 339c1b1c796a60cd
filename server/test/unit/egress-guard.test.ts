import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { EgressPolicy, EgressRefusal, hostsOf, installEgressGuard } from '../../src/lib/egress-guard';

/**
 * The runtime egress guard the api and worker processes install at start (main.ts): every way Node opens a
 * connection — net, tls, http, fetch — and every name lookup is checked before a byte is sent. Real sockets:
 * the refused destinations are documentation addresses (RFC 5737) and names under .invalid.
 */
let remove: (() => void) | undefined;
afterEach(() => remove?.());

const guard = () => {
  const refused: EgressRefusal[] = [];
  remove = installEgressGuard(new EgressPolicy(hostsOf(['postgres://db.bank.internal:5432/hotline'])), (r) =>
    refused.push(r),
  );
  return refused;
};
const failure = (s: net.Socket) => new Promise<NodeJS.ErrnoException>((resolve) => s.on('error', resolve));

describe('the egress guard', () => {
  it('refuses and reports a TCP or TLS connection outside the allowlist before connecting', async () => {
    const refused = guard();
    const e1 = await failure(net.connect(53, '198.51.100.7'));
    expect(e1.code).toBe('EGRESS_REFUSED');
    const e2 = await failure(net.connect({ host: '203.0.113.9', port: 443 }));
    expect(e2.code).toBe('EGRESS_REFUSED');
    const e3 = await failure(tls.connect({ host: '198.51.100.8', port: 443, servername: 'x' }));
    expect(e3.code).toBe('EGRESS_REFUSED');
    expect(refused).toEqual([
      { host: '198.51.100.7', port: 53, via: 'connect' },
      { host: '203.0.113.9', port: 443, via: 'connect' },
      { host: '198.51.100.8', port: 443, via: 'connect' },
    ]);
  });

  it('refuses fetch and http requests, and name lookups of hosts not allowed', async () => {
    const refused = guard();
    const f = await fetch('http://198.51.100.7:8080/telemetry').catch((e: Error) => e);
    expect(f).toBeInstanceOf(Error);
    expect(((f as Error).cause as NodeJS.ErrnoException).code).toBe('EGRESS_REFUSED');
    const h = await new Promise<NodeJS.ErrnoException>((resolve) =>
      http.get('http://updates.vendor.invalid/check', () => resolve(new Error('answered'))).on('error', resolve),
    );
    expect(h.code).toBe('EGRESS_REFUSED');
    const l = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      dns.lookup('telemetry.example.invalid', (e) => resolve(e)),
    );
    expect(l?.code).toBe('EGRESS_REFUSED');
    await expect(dns.promises.lookup('cdn.example.invalid')).rejects.toMatchObject({ code: 'EGRESS_REFUSED' });
    expect(refused.map((r) => `${r.via} ${r.host}`)).toEqual([
      'connect 198.51.100.7',
      // refused at the connection, before the name is even looked up (no DNS query leaves either)
      'connect updates.vendor.invalid',
      'lookup telemetry.example.invalid',
      'lookup cdn.example.invalid',
    ]);
  });

  it('lets through loopback and the listed hosts: the real PostgreSQL answers', async () => {
    const refused = guard();
    const pg = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await pg.connect();
    expect((await pg.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pg.end();
    const p = new EgressPolicy(['db.bank.internal', ' Redis.Bank.Internal ', '[fd00::5]']);
    expect(
      ['db.bank.internal', 'redis.bank.internal', 'fd00::5', '127.0.0.1', '::1', 'localhost'].map((h) => p.allows(h)),
    ).toEqual([true, true, true, true, true, true]);
    expect(['bank.internal', '10.0.0.1', 'db.bank.internal.evil.example', '0.0.0.0'].map((h) => p.allows(h))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(refused).toEqual([]);
  });

  it('removed, connections are not checked any more', async () => {
    guard();
    remove!();
    const s = net.connect({ host: '127.0.0.1', port: 5432 });
    await new Promise<void>((resolve, reject) => s.on('connect', () => resolve()).on('error', reject));
    s.destroy();
  });
});
