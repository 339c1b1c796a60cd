import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REALM = path.resolve(__dirname, '..', '..', '..', 'policies', 'keycloak', 'realm-hotline.json');
const DATA = process.env.HOTLINE_DATA_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
const CHECKER = path.join(DATA, 'tools', 'keycloak-realm-check', 'check-realm.mjs');

interface Role {
  name: string;
  composites?: { client?: Record<string, string[]> };
}
const realm = JSON.parse(fs.readFileSync(REALM, 'utf8'));

describe('Keycloak realm export policies/keycloak/realm-hotline.json', () => {
  it.skipIf(!fs.existsSync(CHECKER))('passes the offline check against Keycloak’s own representation classes', () => {
    const r = spawnSync(process.execPath, [CHECKER, REALM], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/^OK: \d+ keys checked/);
    expect(r.status).toBe(0);
  });

  it.skipIf(!fs.existsSync(CHECKER))('the demo users file, imported into the realm, passes the same check', () => {
    const users = JSON.parse(fs.readFileSync(path.join(path.dirname(REALM), 'demo-users.json'), 'utf8'));
    const merged = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'realm-')), 'realm-with-users.json');
    fs.writeFileSync(merged, JSON.stringify({ ...realm, users: users.users }));
    const r = spawnSync(process.execPath, [CHECKER, merged], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/^OK: \d+ keys checked/);
    expect(users.users.every((u: { credentials?: unknown }) => u.credentials === undefined)).toBe(true); // no passwords committed
  });

  it('meets the PCI DSS 4.0 authentication baseline the bank review checked', () => {
    expect(realm.sslRequired).toBe('all');
    expect(realm.ssoSessionIdleTimeout).toBeLessThanOrEqual(15 * 60); // 8.2.8
    expect(realm.bruteForceProtected).toBe(true); // 8.3.4: at most 10 attempts, locked at least 30 minutes
    expect(realm.failureFactor).toBeLessThanOrEqual(10);
    expect(Math.min(realm.waitIncrementSeconds, realm.maxFailureWaitSeconds)).toBeGreaterThanOrEqual(30 * 60);
    expect(realm.passwordPolicy).toMatch(/length\((1[2-9]|[2-9]\d)\)/); // 8.3.6
    expect(realm.passwordPolicy).toMatch(/passwordHistory\([4-9]\)/); // 8.3.7
    expect(realm.passwordPolicy).toMatch(/forceExpiredPasswordChange\(([1-8]\d|90)\)/); // 8.3.9
    const otp = realm.requiredActions.find((a: { alias: string }) => a.alias === 'CONFIGURE_TOTP');
    expect(otp).toMatchObject({ enabled: true, defaultAction: true }); // 8.4.2: every new user sets up OTP
    expect([realm.eventsEnabled, realm.adminEventsEnabled]).toEqual([true, true]); // 10.2.1
    expect(realm.enabledEventTypes).toEqual(expect.arrayContaining(['LOGIN', 'LOGIN_ERROR', 'LOGOUT']));
    const console = realm.clients.find((c: { clientId: string }) => c.clientId === 'hotline-console');
    expect(console.redirectUris.every((u: string) => u.startsWith('https://'))).toBe(true);
  });

  it('has the six realm roles, each a bundle of hotline-api permissions, with separation of duties', () => {
    const roles = realm.roles.realm as Role[];
    expect(roles.map((r) => r.name).sort()).toEqual([
      'admin',
      'agent',
      'auditor',
      'compliance_officer',
      'qa_analyst',
      'supervisor',
    ]);
    const perms = new Set((realm.roles.client['hotline-api'] as Role[]).map((r) => r.name));
    const of = (name: string) => roles.find((r) => r.name === name)!.composites!.client!['hotline-api'];
    for (const r of roles) for (const p of of(r.name)) expect(perms.has(p), `${r.name} → ${p}`).toBe(true);
    for (const noContent of ['admin', 'auditor']) {
      expect(of(noContent)).not.toContain('transcript:read');
      expect(of(noContent)).not.toContain('recording:play');
    }
    expect(of('agent')).not.toContain('transcript:unmask');
    expect(of('compliance_officer')).toContain('policy:approve');
    expect(of('qa_analyst')).not.toContain('policy:approve');
  });

  it('console: public, code flow with PKCE S256 only; access tokens carry aud=hotline-api and group membership', () => {
    const console_ = realm.clients.find((c: { clientId: string }) => c.clientId === 'hotline-console');
    expect(console_).toMatchObject({
      publicClient: true,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
    });
    expect(console_.attributes['pkce.code.challenge.method']).toBe('S256');
    const aud = console_.protocolMappers.find(
      (m: { protocolMapper: string }) => m.protocolMapper === 'oidc-audience-mapper',
    );
    expect(aud.config).toMatchObject({ 'included.client.audience': 'hotline-api', 'access.token.claim': 'true' });
    // teams come from group membership (full paths), never from a user attribute a person or an admin form could edit
    const groups = console_.protocolMappers.find(
      (m: { protocolMapper: string }) => m.protocolMapper === 'oidc-group-membership-mapper',
    );
    expect(groups.config).toMatchObject({ 'claim.name': 'groups', 'full.path': 'true', 'access.token.claim': 'true' });
    expect(
      console_.protocolMappers.filter(
        (m: { protocolMapper: string }) => m.protocolMapper === 'oidc-usermodel-attribute-mapper',
      ),
    ).toEqual([]);
    const api = realm.clients.find((c: { clientId: string }) => c.clientId === 'hotline-api');
    expect(api).toMatchObject({
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
    });
  });

  it('short token lifetimes, brute-force detection and a password policy', () => {
    expect(realm.accessTokenLifespan).toBeLessThanOrEqual(300);
    expect(realm.bruteForceProtected).toBe(true);
    expect(realm.failureFactor).toBeLessThanOrEqual(5);
    expect(realm.passwordPolicy).toMatch(/length\(12\)/);
    // the teams are the subgroups of /teams
    expect(realm.groups[0].path).toBe('/teams');
    expect(realm.groups[0].subGroups.map((g: { path: string }) => g.path)).toEqual([
      '/teams/team-cards',
      '/teams/team-general',
      '/teams/team-loans',
      '/teams/team-gov',
    ]);
  });
});
