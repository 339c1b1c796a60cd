import fs from 'node:fs';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { metadataFor } from '../../src/synth/render';
import { authedFetch, Proc, startProcess, TestEnv, uploadCall, waitFor, openStack, Stack } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';

/** Crashes and lost queues: PostgreSQL is the system of record and every conversation still ends transcribed, once. */
const calls = synthCalls();
let t: TestEnv;
let api: Proc;
let pg: Client;
const procs: Proc[] = [];

async function status(id: string): Promise<string> {
  return (await pg.query('SELECT status FROM conversations WHERE id = $1', [id])).rows[0].status;
}

async function exactlyOnce(id: string) {
  const runs = await pg.query(
    'SELECT stage, count(*)::int AS n FROM stage_runs WHERE conversation_id = $1 GROUP BY stage ORDER BY stage',
    [id],
  );
  const utt = await pg.query(
    'SELECT count(*)::int AS n, count(DISTINCT (speaker, start_ms))::int AS d, max(seq)::int AS maxseq FROM utterances WHERE conversation_id = $1',
    [id],
  );
  const completed = await pg.query(
    "SELECT stage, count(*)::int AS n FROM processing_events WHERE conversation_id = $1 AND kind = 'completed' GROUP BY stage ORDER BY stage",
    [id],
  );
  // each stage ran exactly once, and there is exactly one verdict
  const once = [
    { stage: 'inspect', n: 1 },
    { stage: 'redact', n: 1 },
    { stage: 'transcribe', n: 1 },
    { stage: 'understand', n: 1 },
  ];
  expect(runs.rows).toEqual(once);
  expect(completed.rows).toEqual(once);
  expect((await pg.query('SELECT count(*)::int AS n FROM verdicts WHERE conversation_id = $1', [id])).rows[0].n).toBe(
    1,
  );
  expect(utt.rows[0].n).toBeGreaterThan(3);
  expect(utt.rows[0].d).toBe(utt.rows[0].n); // no utterance stored twice
  expect(utt.rows[0].maxseq).toBe(utt.rows[0].n - 1);
  return utt.rows[0].n as number;
}

let stack: Stack;
beforeAll(async () => {
  stack = await openStack('resilience', 12, {
    auth: (i) => async (method) => (method === 'POST' ? i.recorderToken() : i.tokenFor('cora')),
  });
  ({ t, proc: api, pg } = stack);
});

afterAll(() => stack?.close());

// every test stops the workers it started, pass or fail, so none lingers into the next test
afterEach(async () => {
  for (const p of procs.splice(0)) await p.stop('SIGKILL');
});

describe('worker killed mid-job', () => {
  it('after a restart the conversation has exactly one transcript', async () => {
    const worker = await startProcess('worker', t, { HOTLINE_ASR_CONCURRENCY: '1' });
    procs.push(worker);
    const { script, call } = calls.get('bank-compliant')!;
    const up = await uploadCall(api.base, fs.readFileSync(call.wav16k), metadataFor(script, '16k'));
    expect(up.status).toBe(202);
    const id = up.body.conversation.id as string;
    // kill it once the attempt is recorded as started (the event follows the state change)
    await waitFor(
      'the worker to start transcribing',
      async () =>
        (await pg.query("SELECT 1 FROM processing_events WHERE conversation_id = $1 AND kind = 'started'", [id]))
          .rowCount === 1,
      30_000,
      20,
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    expect(await status(id)).toBe('transcribing');
    expect(
      (await pg.query('SELECT count(*)::int AS n FROM utterances WHERE conversation_id = $1', [id])).rows[0].n,
    ).toBe(0);

    const restarted = await startProcess('worker', t, { HOTLINE_ASR_CONCURRENCY: '1' });
    procs.push(restarted);
    await waitFor('the restarted worker to finish', async () => (await status(id)) === 'inspected', 90_000);
    await exactlyOnce(id);
    const starts = await pg.query(
      "SELECT count(*)::int AS n FROM processing_events WHERE conversation_id = $1 AND kind = 'started' AND stage = 'transcribe'",
      [id],
    );
    expect(starts.rows[0].n).toBe(2); // the killed attempt and the one that finished
    await restarted.stop();
  });
});

describe('Redis loses its data mid-run', () => {
  it('the reconciler re-enqueues from PostgreSQL and every conversation completes once', async () => {
    const worker = await startProcess('worker', t, { HOTLINE_ASR_CONCURRENCY: '1' });
    procs.push(worker);
    const ids: string[] = [];
    for (const name of ['bank-no-notice', 'bank-angry-interrupted', 'gov-complaint', 'bank-long-silence']) {
      const { script, call } = calls.get(name)!;
      const up = await uploadCall(api.base, fs.readFileSync(call.wav8kUlaw), metadataFor(script, '8k'));
      expect(up.status).toBe(202);
      ids.push(up.body.conversation.id);
    }
    await waitFor(
      'the first call to be in progress',
      async () => (await status(ids[0])) === 'transcribing',
      30_000,
      50,
    );
    const redis = new IORedis(t.redisUrl);
    const keysBefore = await redis.keys(`${t.prefix}:*`);
    expect(keysBefore.length).toBeGreaterThan(0);
    await redis.flushdb();
    redis.disconnect();
    await waitFor(
      'every conversation to be transcribed',
      async () => {
        const rows = await pg.query(
          "SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status = 'inspected'",
          [ids],
        );
        return rows.rows[0].n === ids.length;
      },
      180_000,
      500,
    );
    for (const id of ids) await exactlyOnce(id);
    const reconciled = await pg.query(
      "SELECT count(DISTINCT conversation_id)::int AS n FROM processing_events WHERE conversation_id = ANY($1) AND kind = 'reconciled'",
      [ids],
    );
    expect(reconciled.rows[0].n).toBeGreaterThanOrEqual(ids.length - 1);
    await worker.stop();
  }, 240_000); // four calls through one speech thread, after a flush
});

describe('a job that finally fails', () => {
  it('leaves the conversation failed with the reason, visible through the API', async () => {
    const { script, call } = calls.get('gov-complaint')!;
    const audio = fs.readFileSync(call.wav16k);
    // uploaded while no worker runs; then the stored object goes missing behind the appliance's back (disk fault):
    // no retry can succeed. The row is pointed at an object that does not exist.
    const up = await uploadCall(api.base, audio, { ...metadataFor(script, '16k'), externalId: 'vanishing' });
    const id = up.body.conversation.id as string;
    const sha = (await pg.query('SELECT object_id FROM recordings WHERE conversation_id = $1', [id])).rows[0]
      .object_id as string;
    await pg.query("UPDATE recordings SET object_id = repeat('0', 64) WHERE conversation_id = $1", [id]);
    const worker = await startProcess('worker', t, { HOTLINE_ASR_CONCURRENCY: '1' });
    procs.push(worker);
    await waitFor('the conversation to fail', async () => (await status(id)) === 'failed', 40_000);
    const row = (await pg.query('SELECT failed_stage, failure_reason FROM conversations WHERE id = $1', [id])).rows[0];
    expect(row.failed_stage).toBe('transcribe');
    expect(row.failure_reason).toMatch(/recording object unreadable/);
    const res = await authedFetch(`${api.base}/api/v1/conversations/${id}`);
    const body = (await res.json()) as { status: string; failureReason: string; events: Array<{ kind: string }> };
    expect(body.status).toBe('failed');
    const kinds = body.events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'retrying')).toHaveLength(2); // attempts 1 and 2 of 3 (set by the enqueuing api), retried with backoff
    expect(kinds[kinds.length - 1]).toBe('failed');
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    await worker.stop();
  });
});
