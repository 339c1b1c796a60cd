import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { metadataFor } from '../../src/synth/render';
import { startTestIdp, TestIdp } from '../helpers/auth';
import { OwnPostgres, OwnRedis, startOwnPostgres, startOwnRedis } from '../helpers/own-postgres';
import { synthCalls } from '../helpers/synth';
import { bundleTarball, installTestBlocked, RELEASE_CA, REPO, stopEverythingUnder } from '../helpers/bundle';

/**
 * ansible/site.yml against this machine (`-c local`) as two hosts of an inventory: a primary (PostgreSQL, Redis, the
 * API, no workers of its own) and a worker host that joins it — so the call ingested afterwards can only have been
 * transcribed and inspected by the joined worker. Then the playbook again, `--check --diff` and applied, both
 * `changed=0`; and ansible-lint. The egress policy is validated with `nft -c` everywhere and loaded only inside the
 * loopback-only namespace CI runs in (scripts/egress-run.sh), where it cannot cut this machine off.
 */
const ANSIBLE = path.join(REPO, 'ansible');
const tarball = bundleTarball;
const why = installTestBlocked('ansible.test.ts', ['ansible-playbook', 'ansible-lint', 'nft']);
const inNetns = process.env.HOTLINE_IN_NETNS === '1';

// below the ephemeral range (32768–60999): the suite beside this file opens and closes ports there all the time
const PG_PORT = 25432;
const REDIS_PORT = 26372;
let root: string;
let idp: TestIdp;
let pg: OwnPostgres;
let redis: OwnRedis;

function playbook(...extra: string[]) {
  const r = spawnSync(
    'ansible-playbook',
    ['-i', path.join(root, 'inventory.ini'), '-f', '1', '-e', `@${path.join(root, 'vars.json')}`, 'site.yml', ...extra],
    {
      cwd: ANSIBLE,
      encoding: 'utf8',
      timeout: 900_000,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: path.join(root, 'ansible-tmp') },
    },
  );
  const recap = [...r.stdout.matchAll(/^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)].map(
    (m) => ({ host: m[1], ok: +m[2], changed: +m[3], unreachable: +m[4], failed: +m[5] }),
  );
  return { ...r, recap, out: `${r.stdout.slice(-6000)}\n${r.stderr.slice(-3000)}` };
}

const host = (name: 'p' | 'w') => ({
  prefix: path.join(root, name, 'opt'),
  etc: path.join(root, name, 'etc'),
  state: path.join(root, name, 'var'),
});

// an install, an upgrade with its rollback, a playbook run: minutes, not the suite's default minute
vi.setConfig({ testTimeout: 600_000 });

describe.skipIf(!!why)('ansible/site.yml on this machine: a primary and a joined worker host', () => {
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-ansible-'));
    fs.chmodSync(root, 0o755);
    pg = startOwnPostgres(PG_PORT);
    redis = await startOwnRedis(REDIS_PORT);
    idp = await startTestIdp();
    const p = host('p');
    const w = host('w');
    fs.writeFileSync(
      path.join(root, 'inventory.ini'),
      `[hotline_appliance]
primary ansible_connection=local ansible_host=127.0.0.1 hotline_prefix=${p.prefix} hotline_etc=${p.etc} hotline_state=${p.state} hotline_worker_processes=0
[hotline_workers]
worker1 ansible_connection=local ansible_host=10.99.0.21 hotline_prefix=${w.prefix} hotline_etc=${w.etc} hotline_state=${w.state} hotline_worker_processes=1
[hotline_database]
primary
[hotline:children]
hotline_appliance
hotline_workers
`,
    );
    fs.mkdirSync(path.join(root, 'nft'));
    fs.writeFileSync(
      path.join(root, 'vars.json'),
      JSON.stringify({
        hotline_bundle: tarball,
        hotline_release_ca: RELEASE_CA,
        hotline_version: path.basename(tarball!).replace(/^hotline-appliance-(.*)-linux-x64\.tar\.gz$/, '$1'),
        hotline_unpack_dir: path.join(root, 'unpack'),
        hotline_oidc_issuer: idp.issuer,
        hotline_services: 'direct',
        hotline_listen_host: '127.0.0.1',
        hotline_port: 28000 + Math.floor(Math.random() * 1000),
        hotline_object_dir: path.join(root, 'objects'),
        hotline_redis_conf: path.join(root, 'redis-hotline.conf'),
        hotline_redis_port: REDIS_PORT,
        hotline_firewall_file: path.join(root, 'nft', 'hotline-egress.nft'),
        hotline_firewall_main: path.join(root, 'nft', 'nftables.conf'),
        hotline_firewall_apply: inNetns,
        hotline_sysctl_file: path.join(root, 'sysctl-hotline.conf'),
        hotline_sysctl_apply: false,
        hotline_egress_allow: ['10.99.0.53'],
        hotline_install_environment: {
          PGHOST: '127.0.0.1',
          PGPORT: String(PG_PORT),
          REDIS_PORT: String(REDIS_PORT),
          HOTLINE_INSTALL_HEALTH_S: '60',
        },
      }),
    );
  }, 300_000);

  afterAll(async () => {
    for (const h of ['p', 'w'] as const) {
      const run = path.join(host(h).state, 'run');
      for (const f of fs.existsSync(run) ? fs.readdirSync(run) : []) {
        try {
          process.kill(Number(fs.readFileSync(path.join(run, f), 'utf8')), 'SIGTERM');
        } catch {
          /* gone */
        }
      }
    }
    if (inNetns) spawnSync('nft', ['delete', 'table', 'inet', 'hotline_egress']);
    // and whatever else of this install still runs (a test that failed half-way leaves no process behind)
    if (root) await stopEverythingUnder(root);
    await idp?.close();
    redis?.stop();
    pg?.destroy();
    if (root && process.env.HOTLINE_KEEP_TEST_ROOT !== '1') fs.rmSync(root, { recursive: true, force: true });
  });

  it('ansible-lint passes (production profile)', () => {
    const r = spawnSync('ansible-lint', ['--profile', 'production', '--nocolor'], { cwd: ANSIBLE, encoding: 'utf8' });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('the first run installs the primary and joins the worker host; the egress policy is in place', () => {
    const r = playbook();
    expect(r.status, r.out).toBe(0);
    expect(r.recap.map((x) => x.host).sort()).toEqual(['primary', 'worker1']);
    for (const x of r.recap) expect(x.failed + x.unreachable, r.out).toBe(0);
    const nft = fs.readFileSync(path.join(root, 'nft', 'hotline-egress.nft'), 'utf8');
    expect(nft).toMatch(/policy drop;/);
    expect(nft).toMatch(/ip daddr 10\.99\.0\.21 accept/); // the worker host
    expect(nft).toMatch(/ip daddr 10\.99\.0\.53 accept/); // hotline_egress_allow
    expect(nft).not.toMatch(/127\.0\.0\.1/);
    expect(fs.readFileSync(path.join(root, 'nft', 'nftables.conf'), 'utf8')).toContain(
      `include "${path.join(root, 'nft', 'hotline-egress.nft')}"`,
    );
    if (inNetns) {
      const list = spawnSync('nft', ['list', 'table', 'inet', 'hotline_egress'], { encoding: 'utf8' });
      expect(list.stdout).toMatch(/policy drop/);
    }
    // the worker host's credentials point at the database host and its keyring is the primary's
    const w = host('w');
    const p = host('p');
    const keyring = (h: { state: string }) =>
      JSON.parse(fs.readFileSync(path.join(h.state, 'keys', 'keyring.json'), 'utf8')) as unknown;
    expect(keyring(w)).toEqual(keyring(p));
    expect(fs.statSync(path.join(w.state, 'keys', 'keyring.json')).mode & 0o077).toBe(0);
    expect(fs.statSync(path.join(w.etc, 'secrets', 'database_url')).mode & 0o077).toBe(0);
    // the PostgreSQL role let the worker host's address in, for hotline_login only, above the installer's rules
    const hba = spawnSync('bash', ['-c', `ls ${os.tmpdir()}/own-pg-${PG_PORT}-*/data/pg_hba.conf`], {
      encoding: 'utf8',
    }).stdout.trim();
    const lines = fs.readFileSync(hba, 'utf8').split('\n');
    const worker = lines.findIndex((l) => l === 'host hotline hotline_login 10.99.0.21/32 scram-sha-256');
    expect(worker).toBeGreaterThanOrEqual(0);
    expect(worker).toBeLessThan(lines.findIndex((l) => l.startsWith('# hotline-begin')));
  });

  it('a call ingested at the primary is transcribed and inspected by the joined worker host', async () => {
    const [, { script, call }] = [...synthCalls()][1];
    const dir = path.join(root, 'calls');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.copyFileSync(call.wav8kUlaw, path.join(dir, 'call.wav'));
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(metadataFor(script, '8k')));
    for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
    const r = spawnSync(
      path.join(host('p').prefix, 'bin', 'hotline'),
      ['ingest', path.join(dir, 'call.wav'), '--meta', path.join(dir, 'meta.json'), '--wait'],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const owner = new Client({
      connectionString: fs.readFileSync(path.join(host('p').etc, 'secrets', 'migrate_database_url'), 'utf8').trim(),
    });
    await owner.connect();
    try {
      const { rows } = await owner.query(
        `SELECT c.status, v.score FROM conversations c LEFT JOIN verdicts v ON v.conversation_id = c.id AND v.current`,
      );
      expect(rows).toEqual([{ status: 'inspected', score: expect.any(Number) }]);
    } finally {
      await owner.end();
    }
    // no worker runs on the primary: the work was done on the joined host
    expect(fs.existsSync(path.join(host('p').state, 'run', 'worker-1.pid'))).toBe(false);
    expect(fs.readFileSync(path.join(host('w').state, 'log', 'worker-1.log'), 'utf8')).toMatch(/hotline started/);
  });

  it('the playbook again, with --check --diff and applied: changed=0 on both hosts', () => {
    for (const extra of [['--check', '--diff'], []]) {
      const r = playbook(...extra);
      expect(r.status, r.out).toBe(0);
      expect(r.recap, r.out).toHaveLength(2);
      for (const x of r.recap)
        expect({ host: x.host, changed: x.changed, failed: x.failed }, r.out).toEqual({
          host: x.host,
          changed: 0,
          failed: 0,
        });
    }
  });
});
