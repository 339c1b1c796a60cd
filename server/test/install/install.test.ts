import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestIdp, TestIdp } from '../helpers/auth';
import { OwnPostgres, OwnRedis, startOwnPostgres, startOwnRedis } from '../helpers/own-postgres';
import { synthCalls } from '../helpers/synth';
import { bundleTarball, installTestBlocked, RELEASE_CA, REPO, stopEverythingUnder } from '../helpers/bundle';
import { metadataFor } from '../../src/synth/render';

/**
 * The offline bundle (`npm run bundle`, which `npm test` runs before the suite) installed by installer/install.sh as
 * an IT department would, from the bundle alone: signature and checksums first, the Debian packages from the
 * bundle's own repository, least-privilege PostgreSQL roles, Redis ACL users, the services, a health check; then a
 * call ingested with the installed `hotline` command is transcribed and inspected. In CI this file runs inside the
 * loopback-only network namespace (scripts/egress-run.sh). PostgreSQL and Redis are the test's own instances on
 * other ports: the installer changes their authentication, which the rest of the suite must not see.
 */
const tarball = bundleTarball;
const why = installTestBlocked('install.test.ts');

// below the ephemeral range (32768–60999): the suite beside this file opens and closes ports there all the time
const PG_PORT = 25431;
const REDIS_PORT = 26371;
let root: string;
let bundle: string;
let idp: TestIdp;
let pg: OwnPostgres;
let redis: OwnRedis;
let apiPort: number;
const dirs = () => ({
  prefix: path.join(root, 'opt'),
  etc: path.join(root, 'etc'),
  state: path.join(root, 'var'),
});

function install(extra: string[] = [], dir = bundle): SpawnSyncReturns<string> {
  const d = dirs();
  return spawnSync(
    'bash',
    [
      path.join(dir, 'install.sh'),
      '--release-ca',
      RELEASE_CA,
      '--prefix',
      d.prefix,
      '--etc',
      d.etc,
      '--state',
      d.state,
      '--redis-conf',
      path.join(root, 'redis-hotline.conf'),
      '--oidc-issuer',
      idp.issuer,
      '--host',
      '127.0.0.1',
      '--port',
      String(apiPort),
      '--services',
      'direct',
      ...extra,
    ],
    {
      encoding: 'utf8',
      timeout: 600_000,
      env: {
        ...process.env,
        PGHOST: '127.0.0.1',
        PGPORT: String(PG_PORT),
        REDIS_PORT: String(REDIS_PORT),
        HOTLINE_INSTALL_HEALTH_S: '30',
      },
    },
  );
}

/** `hotline …` as IT runs it after the install: the wrapper the installer wrote. */
function hotline(...args: string[]) {
  return spawnSync(path.join(dirs().prefix, 'bin', 'hotline'), args, { encoding: 'utf8', timeout: 300_000 });
}

const secret = (name: string) => fs.readFileSync(path.join(dirs().etc, 'secrets', name), 'utf8').trim();

function stopDirect() {
  const run = path.join(dirs().state, 'run');
  if (!fs.existsSync(run)) return;
  for (const f of fs.readdirSync(run).filter((x) => x.endsWith('.pid'))) {
    try {
      process.kill(Number(fs.readFileSync(path.join(run, f), 'utf8')), 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}

// an install, an upgrade with its rollback, a playbook run: minutes, not the suite's default minute
vi.setConfig({ testTimeout: 600_000 });

describe.skipIf(!!why)('the offline bundle installed on one host', () => {
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-install-'));
    fs.chmodSync(root, 0o755);
    const x = spawnSync('tar', ['-xzf', tarball!, '-C', root], { encoding: 'utf8' });
    expect(x.status, x.stderr).toBe(0);
    bundle = path.join(
      root,
      fs.readdirSync(root).find((f) => f.startsWith('hotline-appliance-'))!,
    );
    pg = startOwnPostgres(PG_PORT);
    redis = await startOwnRedis(REDIS_PORT);
    idp = await startTestIdp();
    apiPort = 27000 + Math.floor(Math.random() * 1000);
  }, 300_000);

  afterAll(async () => {
    stopDirect();
    // and whatever else of this install still runs (a test that failed half-way leaves no process behind)
    if (root) await stopEverythingUnder(root);
    await idp?.close();
    redis?.stop();
    pg?.destroy();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses a bundle with a changed file or a signature from another key, and installs nothing', () => {
    const file = path.join(bundle, 'app', 'policies', 'masking.yaml');
    const original = fs.readFileSync(file);
    fs.appendFileSync(file, '\n# changed after signing\n');
    try {
      const r = install();
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/does not match SHA256SUMS: not installing/);
      const v = spawnSync(
        'bash',
        [path.join(REPO, 'scripts', 'bundle.sh'), '--verify', bundle, '--release-ca', RELEASE_CA],
        {
          encoding: 'utf8',
        },
      );
      expect(v.status).not.toBe(0);
      expect(v.stderr).toMatch(/checksum mismatch/);
    } finally {
      fs.writeFileSync(file, original);
    }
    // a signature by a key that does not chain to the release CA
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    const sh = (cmd: string) => expect(spawnSync('bash', ['-c', cmd], { encoding: 'utf8' }).status, cmd).toBe(0);
    sh(
      `cd ${other} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=mallory ` +
        `-keyout k.pem -out c.pem 2>/dev/null && cp ${bundle}/SHA256SUMS.p7s good.p7s && openssl cms -sign -binary ` +
        `-md sha256 -in ${bundle}/SHA256SUMS -signer c.pem -inkey k.pem -outform DER -out ${bundle}/SHA256SUMS.p7s`,
    );
    try {
      const r = install();
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/signature over SHA256SUMS does not verify/);
    } finally {
      fs.copyFileSync(path.join(other, 'good.p7s'), path.join(bundle, 'SHA256SUMS.p7s'));
    }
    expect(fs.existsSync(path.join(dirs().prefix, 'current'))).toBe(false);
  });

  it('the bundle carries every Debian package a bare bookworm host lacks (apt resolves from it alone)', () => {
    const lists = path.join(root, 'apt-lists');
    fs.mkdirSync(path.join(lists, 'partial'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sources.list'), `deb [trusted=yes] file:${bundle}/debs ./\n`);
    fs.writeFileSync(path.join(root, 'empty-status'), '');
    const opts = [
      '-o',
      `Dir::Etc::SourceList=${root}/sources.list`,
      '-o',
      'Dir::Etc::SourceParts=/nonexistent',
      '-o',
      `Dir::State::Lists=${lists}`,
      '-o',
      `Dir::State::status=${root}/empty-status`,
      '-o',
      'APT::Sandbox::User=root',
    ];
    expect(spawnSync('apt-get', [...opts, 'update'], { encoding: 'utf8' }).status).toBe(0);
    const pkgs = fs
      .readFileSync(path.join(bundle, 'app', 'installer', 'debian-packages.txt'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    // as if nothing were installed: every dependency must come from the bundle's repository
    const r = spawnSync('apt-get', [...opts, 'install', '-s', '--no-install-recommends', ...pkgs], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr + r.stdout.slice(-2000)).toBe(0);
    expect(r.stdout).toMatch(/^Inst postgresql-15 /m);
    expect(r.stdout).toMatch(/^Inst redis-server /m);
  });

  it('installs from the bundle: least-privilege roles, Redis ACL, services up and healthy', async () => {
    const r = install();
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/installed .* in \d+ s/);
    expect(r.stdout).toMatch(/Escrow a copy now/);

    // the services' login: not a superuser, not the owner, no way to rewrite the audit trail
    const login = new Client({ connectionString: secret('database_url') });
    await login.connect();
    try {
      const [me] = (
        await login.query(
          `SELECT session_user AS s, current_user AS c, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb
             FROM pg_roles r WHERE r.rolname = session_user`,
        )
      ).rows;
      expect(me).toEqual({
        s: 'hotline_login',
        c: 'hotline_login',
        rolsuper: false,
        rolinherit: false,
        rolcreaterole: false,
        rolcreatedb: false,
      });
      await expect(login.query('SELECT count(*) FROM audit_events')).rejects.toThrow(/permission denied/);
      await login.query('SET ROLE hotline_app');
      await expect(login.query("UPDATE audit_events SET reason = 'x'")).rejects.toThrow(/permission denied/);
      await expect(login.query('CREATE TABLE sneaky (i int)')).rejects.toThrow(/permission denied/);
      await expect(login.query('SET ROLE hotline_owner')).rejects.toThrow(/permission denied/);
    } finally {
      await login.end();
    }
    // by password only: a wrong one is refused although this server trusts loopback for postgres
    const wrong = new URL(secret('database_url'));
    wrong.password = 'not-the-password';
    const bad = new Client({ connectionString: wrong.toString() });
    await expect(bad.connect()).rejects.toThrow(/password authentication failed/);

    // Redis: the default user is off; the appliance's user has its own keys and no administration
    const anon = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(REDIS_PORT), 'GET', 'hotline:x'], {
      encoding: 'utf8',
    });
    expect(anon.stdout + anon.stderr).toMatch(/NOAUTH/);
    const app = new IORedis(secret('redis_url'), { maxRetriesPerRequest: 0 });
    app.on('error', () => undefined);
    try {
      await app.set('hotline:install-test', '1');
      await expect(app.set('elsewhere', '1')).rejects.toThrow(/NOPERM/);
      await expect(app.flushall()).rejects.toThrow(/NOPERM/);
      await expect(app.config('SET', 'dir', '/tmp')).rejects.toThrow(/NOPERM/);
      await expect(app.call('ACL', 'LIST')).rejects.toThrow(/NOPERM/);
    } finally {
      app.disconnect();
    }
    // configuration without credentials; credentials root-only
    const env = fs.readFileSync(path.join(dirs().etc, 'hotline.env'), 'utf8');
    expect(env).not.toMatch(/DATABASE_URL|REDIS_URL|password/i);
    expect(fs.statSync(path.join(dirs().etc, 'secrets', 'database_url')).mode & 0o077).toBe(0);
    // the internal CA's key encrypted under a passphrase the installer made (root-only), which the services get
    expect(fs.statSync(path.join(dirs().etc, 'secrets', 'pki_passphrase')).mode & 0o077).toBe(0);
    expect(secret('pki_passphrase').length).toBeGreaterThanOrEqual(32);
    expect(fs.readFileSync(path.join(dirs().state, 'pki', 'ca.key.pem'), 'utf8')).toMatch(
      /BEGIN ENCRYPTED PRIVATE KEY/,
    );
    const apiPid = fs.readFileSync(path.join(dirs().state, 'run', 'api.pid'), 'utf8').trim();
    const apiEnv = fs.readFileSync(`/proc/${apiPid}/environ`, 'utf8').split('\0');
    expect(apiEnv).toContain(`HOTLINE_PKI_PASSPHRASE=${secret('pki_passphrase')}`);
  });

  it('the installed appliance ingests and inspects a call (the installed `hotline` command)', async () => {
    const [, { script, call }] = [...synthCalls()][0];
    const dir = path.join(root, 'calls');
    fs.mkdirSync(dir, { mode: 0o755 });
    const wav = path.join(dir, 'call.wav');
    fs.copyFileSync(call.wav8kUlaw, wav);
    fs.chmodSync(wav, 0o644);
    const meta = path.join(dir, 'meta.json');
    fs.writeFileSync(meta, JSON.stringify(metadataFor(script, '8k')));
    fs.chmodSync(meta, 0o644);
    const r = hotline('ingest', wav, '--meta', meta, '--wait');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ingested 1, rejected 0/);
    const owner = new Client({ connectionString: secret('migrate_database_url') });
    await owner.connect();
    try {
      const { rows } = await owner.query(
        `SELECT c.status, v.score, (SELECT count(*)::int FROM utterances u WHERE u.conversation_id = c.id) AS utterances
           FROM conversations c LEFT JOIN verdicts v ON v.conversation_id = c.id AND v.current`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('inspected');
      expect(rows[0].utterances).toBeGreaterThan(2);
      expect(rows[0].score).not.toBeNull();
    } finally {
      await owner.end();
    }
    // the installed command opens the CA key with the passphrase (as root; the key file stays the hotline user's)
    const issued = hotline('pki', 'issue-client', '--name', 'recorder-1');
    expect(issued.status, issued.stderr).toBe(0);
    expect(issued.stdout).toMatch(/client certificate .*recorder-1\.cert\.pem/);
    const s = hotline('status', '--json');
    expect(s.status, s.stderr).toBe(0);
    const status = JSON.parse(s.stdout);
    expect(status.conversations.inspected).toBe(1);
    // the services' logs: no refused Redis command, no blocked connection, and no credential
    const logs = fs
      .readdirSync(path.join(dirs().state, 'log'))
      .map((f) => fs.readFileSync(path.join(dirs().state, 'log', f), 'utf8'))
      .join('\n');
    expect(logs).toMatch(/worker/);
    expect(logs).not.toMatch(/NOPERM|egress refused/i);
    for (const name of ['database_url', 'redis_url', 'migrate_database_url'])
      expect(logs).not.toContain(new URL(secret(name)).password);
  });

  it('a second run changes nothing that is right: same passwords, same pg_hba, still healthy', () => {
    const before = secret('database_url');
    const r = install();
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(secret('database_url')).toBe(before);
  });

  /** A newer bundle made from this one (hard links; changed files replaced, never written through), re-signed. */
  function newerBundle(version: string, change: (dir: string) => void): string {
    const dir = path.join(root, `hotline-appliance-${version}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const sh = (cmd: string) => {
      const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
      expect(r.status, `${cmd}\n${r.stderr}`).toBe(0);
    };
    sh(`cp -al ${bundle} ${dir}`);
    fs.rmSync(path.join(dir, 'VERSION'));
    fs.writeFileSync(path.join(dir, 'VERSION'), `${version}\n`);
    change(dir);
    const rel = path.join(REPO, 'var', 'release');
    sh(
      `cd ${dir} && rm SHA256SUMS SHA256SUMS.p7s && find . -type f | sed 's|^\\./||' | LC_ALL=C sort | ` +
        `xargs -d '\\n' sha256sum > ../sums.tmp && mv ../sums.tmp SHA256SUMS && openssl cms -sign -binary ` +
        `-md sha256 -in SHA256SUMS -signer ${rel}/release.cert.pem -inkey ${rel}/release.key.pem -outform DER -out SHA256SUMS.p7s`,
    );
    return dir;
  }

  async function conversationCount(): Promise<number> {
    const owner = new Client({ connectionString: secret('migrate_database_url') });
    await owner.connect();
    try {
      return (await owner.query('SELECT count(*)::int AS n FROM conversations')).rows[0].n;
    } finally {
      await owner.end();
    }
  }

  it('--upgrade to a release that does not come up rolls back to the previous release and its data', async () => {
    const before = await conversationCount();
    expect(before).toBe(1);
    const broken = newerBundle('0.1.1-broken', (dir) => {
      // a release whose API exits at start (after the backup and the switch: the rollback must undo both)
      const main = path.join(dir, 'app', 'server', 'dist', 'main.js');
      const text = fs.readFileSync(main, 'utf8');
      fs.rmSync(main);
      fs.writeFileSync(
        main,
        text.replace('"use strict";', `"use strict";\nif (process.argv[2] === 'api') process.exit(3);`),
      );
    });
    const r = install(['--upgrade'], broken);
    expect(r.status, `${r.stdout}\n${r.stderr}`).not.toBe(0);
    expect(r.stdout).toMatch(/backing up to/);
    expect(r.stdout).toMatch(/rolling back to 0\.1\.0/);
    expect(r.stderr).toMatch(/upgrade to 0\.1\.1-broken failed; rolled back to 0\.1\.0 and its data/);
    expect(fs.readlinkSync(path.join(dirs().prefix, 'current'))).toMatch(/releases\/0\.1\.0$/);
    expect(await conversationCount()).toBe(before);
    const s = hotline('status', '--json');
    expect(s.status, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).conversations.inspected).toBe(1);
  });

  it('--upgrade to a good release backs up, switches, migrates and stays healthy', async () => {
    const good = newerBundle('0.1.2', () => undefined);
    const r = install(['--upgrade'], good);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/upgraded to 0\.1\.2 in \d+ s \(backup kept at /);
    expect(fs.readlinkSync(path.join(dirs().prefix, 'current'))).toMatch(/releases\/0\.1\.2$/);
    expect(await conversationCount()).toBe(1);
    // installing the older bundle over it without --upgrade is refused
    const again = install();
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/release 0\.1\.2 is installed: use --upgrade/);
  });
});
