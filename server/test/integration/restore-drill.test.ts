import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFor } from '../../src/synth/render';
import {
  authedFetch,
  getJson,
  MAIN,
  openStack,
  Proc,
  Stack,
  startProcess,
  uploadCall,
  waitFor,
} from '../helpers/stack';
import { synthCalls } from '../helpers/synth';

/**
 * The restore drill: an appliance with a call and a chat is backed up (`hotline backup`), and restored
 * (`hotline restore`) into a fresh database and object store with only the escrowed keyring copied over; the audit
 * chain and its signed checkpoints verify, and an appliance started on the restored data decrypts the transcript and
 * serves the same redacted audio. A changed byte, or a database that is not empty, refuses the restore.
 */
let stack: Stack;
let restored: Proc | undefined;
const RESTORED_DB = 'hotline_test_restored';
const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

async function dropRestored() {
  const a = new Client({ connectionString: ADMIN });
  await a.connect();
  await a.query(`DROP DATABASE IF EXISTS ${RESTORED_DB} WITH (FORCE)`);
  await a.end();
}

beforeAll(async () => {
  await dropRestored();
  stack = await openStack('backup', 2, {
    role: 'all',
    auth: (i) => async (method) => (method === 'POST' ? i.recorderToken() : i.tokenFor('cora')),
  });
}, 180_000);
afterAll(async () => {
  await restored?.stop();
  await stack?.close();
  await dropRestored();
});

describe('backup and restore', () => {
  it('restores into a fresh database and object store: audit chain verified, transcript decrypted, same audio', async () => {
    const { t, proc, pg } = stack;
    const { script, call } = synthCalls().get('bank-compliant')!;
    const up = await uploadCall(proc.base, fs.readFileSync(call.wav8kUlaw), metadataFor(script, '8k'));
    expect(up.status).toBe(202);
    const callId = up.body.conversation.id as string;
    const chat = await getJson(`${proc.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: 'chat',
        agentId: 'anna',
        teamId: 'team-cards',
        externalId: 'drill-1',
        startedAt: '2026-11-20T10:00:00Z',
        messages: [
          { speaker: 'agent', at: '2026-11-20T10:00:00Z', text: 'City Bank, how can I help?' },
          { speaker: 'customer', at: '2026-11-20T10:00:10Z', text: 'My parcel with the ladder never arrived.' },
        ],
      }),
    });
    const chatId = chat.body.conversation.id as string;
    await waitFor(
      'both to be inspected',
      async () =>
        (await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE status = 'inspected'`)).rows[0].n === 2,
      180_000,
      500,
    );
    const before = await getJson(`${proc.base}/api/v1/conversations/${chatId}`);
    const audioBefore = Buffer.from(
      await (await authedFetch(`${proc.base}/api/v1/conversations/${callId}/audio`)).arrayBuffer(),
    );
    expect(audioBefore.length).toBeGreaterThan(1000);
    expect(cli(['audit', 'checkpoint'], t.env).status).toBe(0);

    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-backups-'));
    const b = cli(['backup', '--out', out], t.env);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/escrow them apart/);
    const dir = path.join(out, fs.readdirSync(out)[0]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.parts.map((p: { name: string }) => p.name)).toEqual([
      'database',
      'objects',
      'audit-checkpoints',
      'audit-checkpoint-public-key',
    ]);
    // encrypted: no dump header, no words, no WAV header, and the keyring is not in it
    for (const f of fs.readdirSync(dir)) {
      const bytes = fs.readFileSync(path.join(dir, f));
      expect(bytes.includes('PGDMP'), f).toBe(false);
      expect(bytes.includes('ladder'), f).toBe(false);
      expect(bytes.includes('RIFF'), f).toBe(false);
      expect(bytes.includes(fs.readFileSync(path.join(t.varDir, 'keys', 'keyring.json')).subarray(20, 60)), f).toBe(
        false,
      );
    }

    // a fresh place: another database, another var directory; only the keyring comes from escrow
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-restored-'));
    fs.mkdirSync(path.join(fresh, 'keys'), { mode: 0o700 });
    fs.copyFileSync(path.join(t.varDir, 'keys', 'keyring.json'), path.join(fresh, 'keys', 'keyring.json'));
    fs.chmodSync(path.join(fresh, 'keys', 'keyring.json'), 0o600);
    const env = {
      ...t.env,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${RESTORED_DB}`,
      HOTLINE_VAR_DIR: fresh,
      HOTLINE_QUEUE_PREFIX: `${t.env.HOTLINE_QUEUE_PREFIX}r`,
    };
    // a changed byte in the objects part: refused before anything is written
    const objects = path.join(dir, 'objects.enc');
    const original = fs.readFileSync(objects);
    const bad = Buffer.from(original);
    bad[Math.floor(bad.length / 2)] ^= 1;
    fs.writeFileSync(objects, bad);
    const refused = cli(['restore', '--from', dir], env);
    expect([refused.status, refused.stderr.trim()]).toEqual([
      1,
      'restore refused: part objects (objects.enc) has changed',
    ]);
    fs.writeFileSync(objects, original);

    const t0 = Date.now();
    const r = cli(['restore', '--from', dir], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    console.log(`restore drill: ${r.stdout.split('\n')[0]} (${Date.now() - t0} ms with the CLI's start)`);
    // the trail: every row's hash chain and the signed checkpoint hold on the restored copy
    const v = cli(['audit', 'verify'], env);
    expect(v.stdout).toMatch(/^OK: \d+ rows, last row \d+, 1 signed checkpoint\(s\) verified/m);
    expect(v.status).toBe(0);
    // a second restore over it is refused: the target is not empty
    const again = cli(['restore', '--from', dir], env);
    expect([again.status, again.stderr.trim()]).toEqual([
      1,
      'restore refused: the target database is not empty: restore into a new database',
    ]);
    // the appliance on the restored data decrypts what it holds and serves the same audio
    restored = await startProcess('api', { ...t, env });
    const after = await getJson(`${restored.base}/api/v1/conversations/${chatId}`);
    expect(after.status).toBe(200);
    expect(after.body.utterances.map((u: { text: string }) => u.text)).toEqual(
      before.body.utterances.map((u: { text: string }) => u.text),
    );
    expect(after.body.utterances[1].text).toContain('ladder');
    const audioAfter = Buffer.from(
      await (await authedFetch(`${restored.base}/api/v1/conversations/${callId}/audio`)).arrayBuffer(),
    );
    expect(crypto.createHash('sha256').update(audioAfter).digest('hex')).toBe(
      crypto.createHash('sha256').update(audioBefore).digest('hex'),
    );
  }, 300_000);
});
