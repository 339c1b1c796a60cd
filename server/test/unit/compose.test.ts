import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * docker-compose.onprem.yml as Docker Compose itself reads it (`docker-compose config`, Debian's package): valid,
 * pinned images, an internal network with no way out for everything but the two published services, a healthcheck on
 * every long-running service, secrets from files, no privileges.
 */
const REPO = path.resolve(__dirname, '..', '..', '..');

interface Service {
  image: string;
  networks: Record<string, unknown> | string[];
  healthcheck?: { disable?: boolean; test?: unknown };
  ports?: unknown[];
  privileged?: boolean;
  network_mode?: string;
  cap_drop?: string[];
  restart?: string;
  secrets?: unknown[];
  environment?: Record<string, string>;
}

describe('docker-compose.onprem.yml', () => {
  const r = spawnSync('docker-compose', ['-f', 'docker-compose.onprem.yml', 'config'], {
    cwd: REPO,
    encoding: 'utf8',
  });

  it('is valid for docker-compose', () => {
    if (r.error) throw new Error("docker-compose is missing: scripts/setup.sh installs Debian's docker-compose");
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('pins every image, keeps the backend internal, checks health, drops privileges, reads secrets from files', () => {
    const doc = parse(r.stdout) as {
      services: Record<string, Service>;
      networks: Record<string, { internal?: boolean }>;
      secrets: Record<string, { file?: string }>;
    };
    const services = Object.entries(doc.services);
    expect(services.map(([n]) => n).sort()).toEqual([
      'api',
      'keycloak',
      'migrate',
      'postgres',
      'redis',
      'scheduler',
      'worker',
    ]);
    for (const [name, s] of services) {
      expect(s.image, name).toMatch(/:[\w.-]+$/);
      expect(s.image, name).not.toMatch(/:latest$/);
      expect(s.privileged ?? false, name).toBe(false);
      expect(s.network_mode, name).toBeUndefined();
      const nets = Array.isArray(s.networks) ? s.networks : Object.keys(s.networks);
      expect(nets, name).toContain('backend');
      // only the api and Keycloak (people's browsers reach them) are published and on the edge network
      expect(Boolean(s.ports?.length), name).toBe(name === 'api' || name === 'keycloak');
      expect(nets.includes('edge'), name).toBe(name === 'api' || name === 'keycloak');
      if (name !== 'migrate') expect(s.healthcheck?.test, name).toBeTruthy();
      // no credential in the environment itself: the appliance reads <NAME>_FILE
      for (const [k, v] of Object.entries(s.environment ?? {}))
        expect(`${k}=${v}`, name).not.toMatch(/PASSWORD=(?!.*\/run\/secrets)|:\/\/[^/]*:[^@/]*@/);
    }
    for (const name of ['api', 'worker', 'scheduler', 'migrate']) {
      expect(doc.services[name].cap_drop, name).toEqual(['ALL']);
      expect(doc.services[name].environment?.DATABASE_URL_FILE, name).toMatch(/^\/run\/secrets\//);
    }
    // least privilege: only `migrate` logs in as the schema's owner; the services as hotline_login, never migrating
    for (const name of ['api', 'worker', 'scheduler']) {
      expect(doc.services[name].environment?.DATABASE_URL_FILE, name).toBe('/run/secrets/database_url');
      expect(doc.services[name].environment?.HOTLINE_DB_MIGRATE, name).toBe('off');
    }
    expect(doc.services.migrate.environment?.DATABASE_URL_FILE).toBe('/run/secrets/database_owner_url');
    expect(doc.networks.backend.internal).toBe(true);
    for (const [name, sec] of Object.entries(doc.secrets)) expect(sec.file, name).toMatch(/\/secrets\//);
  });
});
