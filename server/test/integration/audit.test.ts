import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointSigner, readCheckpoints, readPublicKeys } from '../../src/audit/checkpoints';
import { AuditLog } from '../../src/repositories/audit-log';
import { openDatabase } from '../../src/repositories/database';
import { MAIN, makeTestEnv, SERVER_DIR, startProcess, TestEnv } from '../helpers/stack';
import { Pki } from '../../src/protection/pki';

/** The audit trail on real PostgreSQL: each kind of tampering a database administrator could do is detected. */
let t: TestEnv;
let db: DataSource;
let log: AuditLog;
let signer: CheckpointSigner;
let cpFile: string;
let keyFile: string;

async function superuser(sql: string, params: unknown[] = []) {
  // what a DBA can do: bypass the append-only triggers for this session
  await db.transaction(async (m) => {
    await m.query('SET LOCAL session_replication_role = replica');
    await m.query(sql, params);
  });
}

async function seed(n: number) {
  for (let i = 1; i <= n; i++) {
    await log.append({
      actorId: `user-${i % 3}`,
      actorName: `person ${i % 3}`,
      roles: ['supervisor'],
      action: i % 4 === 0 ? 'transcript.unmask' : 'conversation.read',
      objectType: 'conversation',
      objectId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      reason: i % 4 === 0 ? 'customer complaint 42' : null,
      outcome: i % 5 === 0 ? 'denied' : 'allowed',
      requestId: `req-${i}`,
      details: { i },
    });
  }
}

const verify = async () => log.verify(readCheckpoints(cpFile), readPublicKeys([`${keyFile}.pub.pem`]));
const kinds = (r: Awaited<ReturnType<typeof verify>>) => [...new Set(r.problems.map((p) => p.kind))].sort();

beforeAll(async () => {
  t = await makeTestEnv('audit', 15);
  db = await openDatabase(t.env.DATABASE_URL);
  log = new AuditLog(db);
  keyFile = path.join(t.varDir, 'keys', 'audit-checkpoint.key');
  signer = CheckpointSigner.loadOrCreate(keyFile);
});

afterAll(async () => {
  await db?.destroy();
});

beforeEach(async () => {
  await superuser('DELETE FROM audit_events');
  await superuser('DELETE FROM audit_checkpoints');
  cpFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cp-')), 'checkpoints.jsonl');
  await seed(10);
  await log.checkpoint(signer, cpFile);
  await seed(2); // rows 11, 12 after the checkpoint
});

describe('audit trail', () => {
  it('an untouched trail verifies, and so does `hotline audit verify`', async () => {
    const r = await verify();
    expect(r).toMatchObject({ ok: true, rows: 12, lastSeq: 12, checkpointsVerified: 1, problems: [] });
    const cli = spawnSync(
      process.execPath,
      [MAIN, 'audit', 'verify', '--checkpoints', cpFile, '--public-key', `${keyFile}.pub.pem`],
      { env: { ...process.env, ...t.env }, encoding: 'utf8' },
    );
    expect(cli.stdout).toMatch(/^OK: 12 rows, last row 12, 1 signed checkpoint\(s\) verified/m);
    expect(cli.status).toBe(0);
  });

  it('detects an edited row', async () => {
    await superuser("UPDATE audit_events SET reason = 'routine check' WHERE seq = 4");
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ seq: 4, kind: 'altered' }));
    const cli = spawnSync(
      process.execPath,
      [MAIN, 'audit', 'verify', '--checkpoints', cpFile, '--public-key', `${keyFile}.pub.pem`],
      { env: { ...process.env, ...t.env }, encoding: 'utf8' },
    );
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/row 4: altered/);
  });

  it('detects a deleted row', async () => {
    await superuser('DELETE FROM audit_events WHERE seq = 6');
    const r = await verify();
    expect(kinds(r)).toEqual(['broken_link', 'missing']);
    expect(r.problems.find((p) => p.kind === 'missing')!.seq).toBe(6);
  });

  it('detects reordered rows (two rows swapped)', async () => {
    await superuser(`UPDATE audit_events SET seq = -seq WHERE seq IN (3, 7)`);
    await superuser(`UPDATE audit_events SET seq = CASE seq WHEN -3 THEN 7 ELSE 3 END WHERE seq IN (-3, -7)`);
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(kinds(r)).toContain('altered');
    expect(kinds(r)).toContain('broken_link');
  });

  it('detects an inserted row, even with a correctly computed hash', async () => {
    const { chainHash } = await import('../../src/audit/chain');
    // renumber 9..12 up by one and slip a forged row in at 9, linked to row 8 and hashed correctly
    await superuser('UPDATE audit_events SET seq = seq + 100 WHERE seq >= 9');
    await superuser('UPDATE audit_events SET seq = seq - 99 WHERE seq >= 109');
    const row8 = (await db.query('SELECT hash FROM audit_events WHERE seq = 8'))[0].hash;
    const forged = {
      seq: 9,
      at: new Date(),
      actorId: 'dba',
      actorName: null,
      roles: [],
      action: 'conversation.read',
      objectType: null,
      objectId: null,
      reason: null,
      outcome: 'allowed' as const,
      requestId: null,
      details: null,
    };
    await superuser(
      `INSERT INTO audit_events (seq, at, actor_id, roles, action, outcome, prev_hash, hash) VALUES (9, $1, 'dba', '[]', 'conversation.read', 'allowed', $2, $3)`,
      [forged.at, row8, chainHash(row8, forged)],
    );
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.rows).toBe(13);
    expect(kinds(r)).toContain('altered'); // the renumbered rows no longer hash to what was written
  });

  it('detects a truncated trail through the signed checkpoint', async () => {
    await superuser('DELETE FROM audit_events WHERE seq >= 9');
    const r = await verify();
    expect(r.problems).toEqual([expect.objectContaining({ seq: 10, kind: 'truncated' })]);
  });

  it('detects a trail rewritten from scratch (every hash recomputed) through the checkpoint, and forged checkpoints', async () => {
    const { chainHash, GENESIS } = await import('../../src/audit/chain');
    const rows = [];
    for await (const r of log.rows()) rows.push(r);
    await superuser("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 2");
    let prev = GENESIS;
    for (const r of rows) {
      const changed = { ...r, reason: r.seq === 2 ? 'nothing to see' : r.reason };
      const h = chainHash(prev, changed);
      await superuser('UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3', [prev, h, r.seq]);
      prev = h;
    }
    const r = await verify();
    expect(r.problems).toEqual([expect.objectContaining({ seq: 10, kind: 'checkpoint_mismatch' })]);
    // a checkpoint re-signed with another key is refused
    const other = CheckpointSigner.loadOrCreate(path.join(t.varDir, 'keys', 'other.key'));
    const cps = readCheckpoints(cpFile).map((c) => ({ ...c, hash: prev, seq: 12 }));
    const bad = await log.verify(
      cps,
      readPublicKeys([`${keyFile}.pub.pem`, path.join(t.varDir, 'keys', 'other.key.pub.pem')]),
    );
    expect(kinds(bad)).toEqual(['bad_signature']);
    expect(other.keyId).not.toBe(signer.keyId);
  });

  it('the application role can read and append but never UPDATE or DELETE; the trigger stops everyone else', async () => {
    const asApp = (sql: string) =>
      db.transaction(async (m) => {
        await m.query('SET LOCAL ROLE hotline_app');
        return m.query(sql);
      });
    await expect(asApp('SELECT count(*) FROM audit_events')).resolves.toEqual([{ count: '12' }]);
    await expect(asApp("UPDATE audit_events SET reason = 'x' WHERE seq = 1")).rejects.toThrow(/permission denied/);
    await expect(asApp('DELETE FROM audit_events WHERE seq = 1')).rejects.toThrow(/permission denied/);
    await expect(asApp('TRUNCATE audit_events')).rejects.toThrow(/permission denied/);
    await expect(db.query("UPDATE audit_events SET reason = 'x' WHERE seq = 1")).rejects.toThrow(
      /append-only \(UPDATE refused\)/,
    );
    await expect(db.query('DELETE FROM audit_events WHERE seq = 1')).rejects.toThrow(/append-only \(DELETE refused\)/);
    expect((await verify()).ok).toBe(true);
  });

  it('the installed login (a member of hotline_app, not the owner): dropping the role gains nothing, no schema change', async () => {
    await db.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_login_audit') THEN
         CREATE ROLE hotline_login_audit LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'audit-test-only'; END IF; END $$`,
    );
    await db.query('GRANT hotline_app TO hotline_login_audit');
    const u = new URL(t.env.DATABASE_URL);
    u.username = 'hotline_login_audit';
    u.password = 'audit-test-only';
    const app = await openDatabase(u.toString(), { migrate: false, appRole: 'hotline_app' });
    const qr = app.createQueryRunner();
    try {
      await qr.connect();
      expect(await qr.query('SELECT current_user AS u')).toEqual([{ u: 'hotline_app' }]);
      // RESET ROLE returns to the connection's own `role` setting (hotline_app); SET ROLE NONE to the login itself
      await qr.query('RESET ROLE');
      expect(await qr.query('SELECT current_user AS u')).toEqual([{ u: 'hotline_app' }]);
      await qr.query('SET ROLE NONE');
      expect(await qr.query('SELECT current_user AS u')).toEqual([{ u: 'hotline_login_audit' }]);
      await expect(qr.query("UPDATE audit_events SET reason = 'x' WHERE seq = 1")).rejects.toThrow(/permission denied/);
      await expect(qr.query('CREATE TABLE sneaky (i int)')).rejects.toThrow(/permission denied/);
      await expect(qr.query('SET ROLE postgres')).rejects.toThrow(/permission denied/);
    } finally {
      await qr.release();
      await app.destroy();
    }
    // a schema behind the code: the login refuses to start rather than migrate (only `hotline migrate` may)
    const [last] = await db.query(`SELECT id, "timestamp", name FROM migrations ORDER BY id DESC LIMIT 1`);
    await db.query('DELETE FROM migrations WHERE id = $1', [last.id]);
    try {
      await expect(openDatabase(u.toString(), { migrate: false, appRole: 'hotline_app' })).rejects.toThrow(
        /hotline migrate/,
      );
    } finally {
      await db.query('INSERT INTO migrations (id, "timestamp", name) VALUES ($1, $2, $3)', [
        last.id,
        last.timestamp,
        last.name,
      ]);
    }
  });

  it('the services connect with that role: what the appliance runs cannot rewrite the trail', async () => {
    const app = await openDatabase(t.env.DATABASE_URL, { appRole: 'hotline_app' });
    try {
      expect(await app.query('SELECT current_user AS u')).toEqual([{ u: 'hotline_app' }]);
      await expect(app.query("UPDATE audit_events SET reason = 'x' WHERE seq = 1")).rejects.toThrow(
        /permission denied/,
      );
      await new AuditLog(app).append({
        actorId: 'app',
        actorName: null,
        roles: [],
        action: 'conversation.read',
        objectType: null,
        objectId: null,
        reason: null,
        outcome: 'allowed',
        requestId: null,
        details: null,
      });
      expect((await verify()).ok).toBe(true);
    } finally {
      await app.destroy();
    }
  });

  it('concurrent appends keep one unbroken chain', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        log.append({
          actorId: `c${i}`,
          actorName: null,
          roles: ['agent'],
          action: 'conversation.read',
          objectType: null,
          objectId: null,
          reason: null,
          outcome: 'allowed',
          requestId: null,
          details: null,
        }),
      ),
    );
    const r = await verify();
    expect(r).toMatchObject({ ok: true, rows: 32, lastSeq: 32 });
  });

  it('checkpoints signed with a signer certificate from the internal PKI verify against it, and only if it chains to the CA', async () => {
    const pki = new Pki(path.join(t.varDir, 'pki'));
    pki.init();
    const issued = pki.issue({ name: 'audit-checkpoints', kind: 'signer', sans: [], days: 30 });
    const pkiSigner = CheckpointSigner.fromCertificate(issued.certFile, issued.keyFile);
    const file = path.join(t.varDir, 'audit', 'pki-checkpoints.jsonl');
    await seed(3);
    const cp = await log.checkpoint(pkiSigner, file);
    expect(cp?.keyId).toBe(pkiSigner.keyId);
    const ok = await log.verify(readCheckpoints(file), readPublicKeys([issued.certFile], pki.caCertFile));
    expect(ok).toMatchObject({ ok: true, checkpointsVerified: 1 });
    // through the CLI, as a third party would, with the certificate and the CA
    const cli = spawnSync(
      process.execPath,
      [MAIN, 'audit', 'verify', '--checkpoints', file, '--public-key', issued.certFile, '--ca', pki.caCertFile],
      { env: { ...process.env, ...t.env }, encoding: 'utf8' },
    );
    expect(cli.stdout).toMatch(/^OK: .* 1 signed checkpoint\(s\) verified/m);
    // a certificate from another CA is refused, and a key that is not the certificate's is refused at start
    const rogue = new Pki(path.join(t.varDir, 'rogue-pki'));
    rogue.init();
    const r2 = rogue.issue({ name: 'audit-checkpoints', kind: 'signer', sans: [], days: 30 });
    expect(() => readPublicKeys([r2.certFile], pki.caCertFile)).toThrow(/was not issued by the CA/);
    expect(() => CheckpointSigner.fromCertificate(issued.certFile, r2.keyFile)).toThrow(
      /does not belong to certificate/,
    );
  });
});

describe('what happens outside requests', () => {
  it('process starts (and what changed since the last), PKI operations and operator runs are in the trail, named', async () => {
    const env = { ...process.env, ...t.env, HOTLINE_OPERATOR: 'olga' };
    // a certificate issued at the command line (no database needed there): the PKI's journal names the operator
    const pki = spawnSync(process.execPath, [MAIN, 'pki', 'issue-client', '--name', 'recorder-7'], {
      env,
      encoding: 'utf8',
    });
    expect(pki.status).toBe(0);
    const quiet = { HOTLINE_RETENTION_INTERVAL_MS: '0' };
    await (await startProcess('worker', t, quiet)).stop();
    // a setting and a policy file changed between two starts
    const masking = path.join(t.varDir, 'masking-changed.yaml');
    fs.writeFileSync(
      masking,
      `${fs.readFileSync(path.resolve(SERVER_DIR, '..', 'policies', 'masking.yaml'), 'utf8')}\n# changed\n`,
    );
    await (
      await startProcess('worker', t, { ...quiet, HOTLINE_DISPUTE_WINDOW_DAYS: '30', HOTLINE_MASKING_POLICY: masking })
    ).stop();
    const rows = (
      await db.query(
        `SELECT actor_id, action, object_id, details FROM audit_events
          WHERE action IN ('process.start', 'config.change') OR action LIKE 'pki.%' ORDER BY seq`,
      )
    ).map((r: { actor_id: string; action: string; object_id: string; details: Record<string, unknown> }) => ({
      actor: r.actor_id,
      action: r.action,
      object: r.object_id,
      ...(r.action === 'config.change' ? { keys: r.details.changedKeys, files: r.details.changedFiles } : {}),
    }));
    expect(rows).toEqual([
      { actor: 'system:worker', action: 'process.start', object: 'worker' },
      // carried in from the PKI's journal at the first start, once: the CA and signer of the test above, then olga's
      { actor: 'system:pki', action: 'pki.init', object: 'ca' },
      { actor: 'system:pki', action: 'pki.issue', object: 'audit-checkpoints' },
      { actor: 'os:olga', action: 'pki.issue', object: 'recorder-7' },
      {
        actor: 'system:worker',
        action: 'config.change',
        object: 'worker',
        keys: ['HOTLINE_DISPUTE_WINDOW_DAYS', 'HOTLINE_MASKING_POLICY'],
        files: ['masking'],
      },
      { actor: 'system:worker', action: 'process.start', object: 'worker' },
    ]);
    // settings appear as keyed fingerprints, never as values (a database URL may carry a password)
    const all = JSON.stringify(await db.query(`SELECT details FROM audit_events WHERE action = 'process.start'`));
    expect(all).not.toContain('postgres://');
    expect(all).not.toContain(masking);
    // retention run by hand is the operator's (and the clock they gave it is recorded)
    const ret = spawnSync(process.execPath, [MAIN, 'retention', 'run', '--now', '2030-01-01T00:00:00Z'], {
      env,
      encoding: 'utf8',
    });
    expect(ret.status).toBe(0);
    const run = await db.query(`SELECT actor_id, actor_name, details FROM audit_events WHERE action = 'retention.run'`);
    expect(run).toHaveLength(1);
    expect(run[0].actor_id).toBe('os:olga');
    expect(run[0].details.now).toBe('2030-01-01T00:00:00.000Z');
    // and the trail, checkpoints expected every minute, fails verification once a row goes uncovered for too long
    const stale = spawnSync(
      process.execPath,
      [
        MAIN,
        'audit',
        'verify',
        '--checkpoints',
        cpFile,
        '--public-key',
        `${keyFile}.pub.pem`,
        '--max-gap-minutes',
        '0.0001',
      ],
      { env, encoding: 'utf8' },
    );
    expect(stale.stdout).toMatch(/checkpoint_missing: no signed checkpoint covers row \d+/);
    expect(stale.status).toBe(1);
  }, 120_000);
});
