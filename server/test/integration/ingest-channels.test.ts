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
  worker = await startProcess('worker', t, { HOTLINE_DROP_DIR: drop });
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
    expect(fs.readdirSync(path.join(drop, 'rejected')).sort()).toEqual([
      'broken.json',
      'broken.reason.txt',
      'broken.wav',
      'no-sidecar.reason.txt',
      'no-sidecar.wav',
    ]);
    expect(fs.readFileSync(path.join(drop, 'rejected', 'broken.reason.txt'), 'utf8')).toMatch(/truncated header/);
    expect(fs.readFileSync(path.join(drop, 'rejected', 'no-sidecar.reason.txt'), 'utf8')).toMatch(
      /no sidecar no-sidecar\.json/,
    );
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
