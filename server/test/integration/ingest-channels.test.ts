import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFor } from '../../src/synth/render';
import { db, MAIN, makeTestEnv, Proc, startProcess, TestEnv, waitFor } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';

/** The other ways recordings arrive on-prem: a recorder's drop folder and the `hotline ingest` CLI. */
const calls = synthCalls();
let t: TestEnv;
let worker: Proc;
let pg: Client;
let drop: string;

beforeAll(async () => {
  t = await makeTestEnv('channels', 13);
  drop = path.join(t.varDir, 'drop');
  fs.mkdirSync(drop, { recursive: true });
  worker = await startProcess('worker', t, {
    HOTLINE_DROP_DIR: drop,
    HOTLINE_DROP_SETTLE_MS: '6000',
    HOTLINE_DROP_SIDECAR_WAIT_MS: '7000',
  });
  pg = await db(t);
});

afterAll(async () => {
  await pg?.end();
  await worker?.stop();
});

describe('drop folder', () => {
  it('ingests each recording once and files it under processed/ or rejected/ with a reason', async () => {
    const { script, call } = calls.get('bank-no-notice')!;
    fs.copyFileSync(call.wav8kUlaw, path.join(drop, 'rec-001.wav'));
    fs.writeFileSync(path.join(drop, 'rec-001.json'), JSON.stringify(metadataFor(script, '8k')));
    fs.writeFileSync(path.join(drop, 'broken.wav'), Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt '));
    fs.writeFileSync(path.join(drop, 'broken.json'), JSON.stringify({ agentId: 'bob' }));
    fs.copyFileSync(call.wav16k, path.join(drop, 'no-sidecar.wav'));
    await waitFor(
      'the drop folder to be emptied',
      async () => fs.readdirSync(drop).filter((f) => f.endsWith('.wav')).length === 0,
      30_000,
    );
    // accepted: no plaintext recording or sidecar is left behind, only a receipt naming the conversation
    expect(fs.readdirSync(path.join(drop, 'processed')).sort()).toEqual(['rec-001.receipt.json']);
    // rejected under unique names (<name>.<time>-<random>.*), each with its reason
    const rejected = fs.readdirSync(path.join(drop, 'rejected')).sort();
    // sealed (never plaintext: a call may hold card numbers, a sidecar a customer reference)
    expect(rejected.map((f) => f.replace(/\.[0-9TZ-]+-[0-9a-f]{6}\./, '.'))).toEqual([
      'broken.json.sealed',
      'broken.reason.txt',
      'broken.wav.sealed',
      'no-sidecar.reason.txt',
      'no-sidecar.wav.sealed',
    ]);
    const sealedWav = rejected.find((f) => f.startsWith('no-sidecar.') && f.endsWith('.wav.sealed'))!;
    expect(fs.readFileSync(path.join(drop, 'rejected', sealedWav)).includes(Buffer.from('RIFF'))).toBe(false);
    // an operator releases it to mend it: the bytes that were dropped, and the release is audited
    const name = sealedWav.slice(0, -'.wav.sealed'.length);
    const out = path.join(t.varDir, 'released');
    const rel = spawnSync(process.execPath, [MAIN, 'drop', 'release', name, '--to', out], {
      env: { ...process.env, ...t.env, HOTLINE_DROP_DIR: drop, HOTLINE_OPERATOR: 'ivy' },
      encoding: 'utf8',
    });
    expect(rel.status).toBe(0);
    expect(fs.readFileSync(path.join(out, `${name}.wav`)).equals(fs.readFileSync(call.wav16k))).toBe(true);
    const released = await pg.query(`SELECT actor_id, object_id FROM audit_events WHERE action = 'drop.release'`);
    expect(released.rows).toEqual([{ actor_id: 'os:ivy', object_id: name }]);
    const audited = await pg.query(
      `SELECT outcome, reason, count(*)::int AS n FROM audit_events WHERE action = 'conversation.ingest' AND actor_id = 'system:drop-folder' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(audited.rows).toEqual([
      { outcome: 'allowed', reason: null, n: 1 },
      { outcome: 'denied', reason: 'missing_fmt', n: 1 },
      { outcome: 'denied', reason: 'missing_metadata', n: 1 },
    ]);
    const reasonOf = (base: string) =>
      fs.readFileSync(
        path.join(
          drop,
          'rejected',
          rejected.find((f) => f.startsWith(`${base}.`) && f.endsWith('.reason.txt'))!,
        ),
        'utf8',
      );
    expect(reasonOf('broken')).toMatch(/truncated header/);
    expect(reasonOf('no-sidecar')).toMatch(/no sidecar no-sidecar\.json/);
    const rows = await pg.query("SELECT id FROM conversations WHERE source = 'drop'");
    expect(rows.rows).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(drop, 'processed', 'rec-001.receipt.json'), 'utf8'))).toMatchObject({
      file: 'rec-001.wav',
      outcome: 'processed',
      conversationId: rows.rows[0].id,
    });
    await waitFor(
      'the dropped call to be transcribed',
      async () =>
        (await pg.query('SELECT status FROM conversations WHERE id = $1', [rows.rows[0].id])).rows[0].status ===
        'inspected',
    );
    // the same file dropped again is recognised as a duplicate, not processed twice
    fs.copyFileSync(call.wav8kUlaw, path.join(drop, 'again.wav'));
    fs.writeFileSync(path.join(drop, 'again.json'), JSON.stringify(metadataFor(script, '8k')));
    await waitFor(
      'the duplicate to be filed',
      async () => fs.existsSync(path.join(drop, 'processed', 'again.receipt.json')),
      30_000,
    );
    expect(JSON.parse(fs.readFileSync(path.join(drop, 'processed', 'again.receipt.json'), 'utf8'))).toMatchObject({
      outcome: 'duplicate',
      conversationId: rows.rows[0].id,
    });
    expect((await pg.query("SELECT count(*)::int AS n FROM conversations WHERE source = 'drop'")).rows[0].n).toBe(1);
  });

  it('a recorder that pauses mid-file, a sidecar written after its recording, a rejected name reused: nothing lost', async () => {
    const { script, call } = calls.get('gov-complaint')!;
    const whole = fs.readFileSync(call.wav8kUlaw);
    // a streaming recorder: half the file, a 4.5 s pause (two 2 s polls see it unchanged: the old watcher took the
    // half then; the 6 s settle does not), then the rest
    const paused = path.join(drop, 'paused.wav');
    fs.writeFileSync(paused, whole.subarray(0, whole.length >> 1));
    fs.writeFileSync(
      path.join(drop, 'paused.json'),
      JSON.stringify({ ...metadataFor(script, '8k'), externalId: 'paused' }),
    );
    await new Promise((r) => setTimeout(r, 4500));
    fs.appendFileSync(paused, whole.subarray(whole.length >> 1));
    // the sidecar 1.5 s after its recording
    fs.copyFileSync(calls.get('bank-compliant')!.call.wav8kUlaw, path.join(drop, 'late.wav'));
    await new Promise((r) => setTimeout(r, 1500));
    fs.writeFileSync(
      path.join(drop, 'late.json'),
      JSON.stringify(metadataFor(calls.get('bank-compliant')!.script, '8k')),
    );
    // the same broken name twice: both rejections kept
    for (let i = 0; i < 2; i++) {
      fs.writeFileSync(path.join(drop, 'again-broken.wav'), Buffer.from(`RIFF\x10\x00\x00\x00WAVEfmt ${i}`));
      fs.writeFileSync(path.join(drop, 'again-broken.json'), JSON.stringify({ agentId: 'bob' }));
      await waitFor(
        'the broken file to be rejected',
        async () => !fs.existsSync(path.join(drop, 'again-broken.wav')),
        30_000,
      );
    }
    await waitFor(
      'the paused and the late recording to be filed',
      async () => ['paused', 'late'].every((b) => fs.existsSync(path.join(drop, 'processed', `${b}.receipt.json`))),
      30_000,
    );
    for (const b of ['paused', 'late'])
      expect(JSON.parse(fs.readFileSync(path.join(drop, 'processed', `${b}.receipt.json`), 'utf8')).outcome).toBe(
        'processed',
      );
    const receipt = JSON.parse(fs.readFileSync(path.join(drop, 'processed', 'paused.receipt.json'), 'utf8'));
    const stored = await pg.query('SELECT duration_ms FROM conversations WHERE id = $1', [receipt.conversationId]);
    expect(stored.rows[0].duration_ms).toBe(call.durationMs); // the whole call, not the first half
    expect(
      fs.readdirSync(path.join(drop, 'rejected')).filter((f) => /^again-broken\..*\.reason\.txt$/.test(f)),
    ).toHaveLength(2);
    // let the worker finish these two before the next tests queue theirs
    const ids = ['paused', 'late'].map(
      (b) => JSON.parse(fs.readFileSync(path.join(drop, 'processed', `${b}.receipt.json`), 'utf8')).conversationId,
    );
    await waitFor(
      'the two calls to be inspected',
      async () =>
        (
          await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status = 'inspected'`, [
            ids,
          ])
        ).rows[0].n === 2,
      120_000,
    );
  }, 180_000);
});

describe('hotline ingest CLI', () => {
  it('ingests a directory with sidecars, reports rejects, and exits non-zero when any file was refused', () => {
    const dir = path.join(t.varDir, 'cli');
    fs.mkdirSync(dir);
    for (const id of ['gov-complaint', 'bank-long-silence']) {
      const { script, call } = calls.get(id)!;
      fs.copyFileSync(call.wav8kUlaw, path.join(dir, `${id}.wav`));
      fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(metadataFor(script, '8k')));
    }
    const r = spawnSync(process.execPath, [MAIN, 'ingest', dir, '--wait'], {
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stdout).toMatch(/ingested 2, rejected 0/);
    expect(r.status).toBe(0);
    fs.writeFileSync(path.join(dir, 'zz-empty.wav'), '');
    const again = spawnSync(process.execPath, [MAIN, 'ingest', dir], {
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(again.stderr).toMatch(/zz-empty\.wav: rejected \(422\): recording is empty/);
    expect(again.stdout).toMatch(/ingested 2, rejected 1/); // the two earlier files are recognised duplicates
    expect(again.status).toBe(1);
  });

  it('stored both CLI calls once and transcribed them', async () => {
    const rows = await pg.query("SELECT status FROM conversations WHERE source = 'cli'");
    expect(rows.rows.map((r) => r.status)).toEqual(['inspected', 'inspected']);
  });

  it('a bad configuration stops the process with one line naming the variable', () => {
    const r = spawnSync(process.execPath, [MAIN, 'api'], {
      env: { ...process.env, ...t.env, HOTLINE_PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^config: HOTLINE_PORT is invalid/);
  });
});
