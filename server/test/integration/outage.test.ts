import fs from 'node:fs';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFor } from '../../src/synth/render';
import { authedFetch, getJson, openStack, Proc, Stack, startProcess, uploadCall, waitFor } from '../helpers/stack';
import { OwnPostgres, OwnRedis, startOwnPostgres, startOwnRedis } from '../helpers/own-postgres';
import { synthCalls } from '../helpers/synth';

/**
 * Outages on servers of the test's own (PostgreSQL on 5499, Redis on 6498), never the shared ones.
 *
 * A PostgreSQL outage in the middle of the pipeline delays work and fails none of it: on a server of the test's own
 * (port 5499), stopped for 20 s while calls and chats are in flight, every conversation ends inspected, each stage
 * once. (Before: the worker spent every attempt within seconds of an outage and the conversations failed for good.)
 */
const PORT = 5499;
const REDIS_PORT = 6498;
let own: OwnPostgres;
let redis: OwnRedis;
let stack: Stack;
let worker: Proc | undefined;

beforeAll(async () => {
  own = startOwnPostgres(PORT);
  redis = await startOwnRedis(REDIS_PORT);
  stack = await openStack('outage', 5, {
    env: {
      DATABASE_URL: own.url('hotline_outage'),
      REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}/0`,
      HOTLINE_JOB_BACKOFF_MS: '300',
      HOTLINE_RECONCILE_INTERVAL_MS: '2000',
    },
    auth: (i) => async (method) => (method === 'POST' ? i.recorderToken() : i.tokenFor('cora')),
  });
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close().catch(() => undefined);
  own?.destroy();
  redis?.stop();
});

const chat = (n: number) => ({
  channel: 'chat',
  agentId: 'anna',
  teamId: 'team-cards',
  queue: 'cards',
  externalId: `outage-${n}`,
  startedAt: '2026-11-05T09:00:00Z',
  messages: [
    { speaker: 'agent', at: '2026-11-05T09:00:00Z', text: 'Thank you for contacting City Bank, how can I help?' },
    { speaker: 'customer', at: '2026-11-05T09:00:20Z', text: `My new card number ${n} has not arrived yet.` },
  ],
});

describe('PostgreSQL stopped for 20 s mid-pipeline', () => {
  it('every accepted conversation ends inspected, none failed, each stage run once', async () => {
    const { t } = stack;
    worker = await startProcess('worker', t, { HOTLINE_ASR_CONCURRENCY: '1' });
    const ids: string[] = [];
    const calls = synthCalls();
    for (const id of ['bank-compliant', 'gov-complaint']) {
      const { script, call } = calls.get(id)!;
      const up = await uploadCall(stack.proc.base, fs.readFileSync(call.wav8kUlaw), metadataFor(script, '8k'));
      expect(up.status).toBe(202);
      ids.push(up.body.conversation.id);
    }
    for (let n = 0; n < 12; n++) {
      const r = await getJson(`${stack.proc.base}/api/v1/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat(n)),
      });
      expect(r.status).toBe(201);
      ids.push(r.body.conversation.id);
    }
    // the test's own connection goes down with the server: it is replaced after the restart
    stack.pg.on('error', () => undefined);
    own.stop();
    const t0 = Date.now();
    // meanwhile the API says "come back later", not 500
    const list = await authedFetch(`${stack.proc.base}/api/v1/conversations`);
    expect([list.status, list.headers.get('retry-after')]).toEqual([503, '5']);
    expect(((await list.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    const refused = await getJson(`${stack.proc.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat(99)),
    });
    expect(refused.status).toBe(503);
    await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - t0))));
    own.start();

    const pg = new Client({ connectionString: t.env.DATABASE_URL });
    await pg.connect();
    await stack.pg.end().catch(() => undefined);
    try {
      await settledAndChecked(pg, ids);
    } finally {
      await pg.end();
    }
    // an outage delays work: the bar is that everything completes, not how fast (worker start, 20 s down, backoff)
  }, 180_000);
});

async function settledAndChecked(pg: Client, ids: string[]) {
  {
    await waitFor(
      'every conversation to settle after the outage',
      async () =>
        (
          await pg.query(
            `SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status IN ('inspected', 'failed')`,
            [ids],
          )
        ).rows[0].n === ids.length,
      150_000,
      1000,
    ).catch(async (e) => {
      // what was left, and the worker's last words, so a run that does not settle says why
      const left = await pg.query(
        `SELECT c.id, c.status, (SELECT string_agg(kind || ':' || stage, ',' ORDER BY at) FROM processing_events p WHERE p.conversation_id = c.id) AS events
           FROM conversations c WHERE id = ANY($1) AND status NOT IN ('inspected', 'failed')`,
        [ids],
      );
      const locks = await pg.query(
        `SELECT pid, state, wait_event_type, wait_event, left(query, 120) AS query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      console.error('unsettled', JSON.stringify(left.rows, null, 1));
      console.error('sessions', JSON.stringify(locks.rows, null, 1));
      console.error('worker log tail\n' + worker!.logs.slice(-150).join('\n'));
      throw e;
    });
    const states = await pg.query(
      `SELECT status, count(*)::int AS n FROM conversations WHERE id = ANY($1) GROUP BY 1`,
      [ids],
    );
    expect(states.rows).toEqual([{ status: 'inspected', n: ids.length }]);
    const runs = await pg.query(
      `SELECT conversation_id, stage, count(*)::int AS n FROM stage_runs WHERE conversation_id = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
      [ids],
    );
    expect(runs.rows).toEqual([]);
    const verdicts = await pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT conversation_id)::int AS d FROM verdicts WHERE conversation_id = ANY($1)`,
      [ids],
    );
    expect(verdicts.rows[0]).toEqual({ n: ids.length, d: ids.length });
    // the outage was felt: work was delayed, not failed
    const delayed = await pg.query(
      `SELECT count(*)::int AS n FROM processing_events WHERE conversation_id = ANY($1) AND kind = 'retrying' AND detail->>'infrastructure' = 'true'`,
      [ids],
    );
    const failed = await pg.query(
      `SELECT count(*)::int AS n FROM processing_events WHERE conversation_id = ANY($1) AND kind = 'failed'`,
      [ids],
    );
    expect(failed.rows[0].n).toBe(0);
    // the outage hit work in flight: the worker delayed stages (while the database was down it could not record
    // every delay as an event, so its log says how many)
    const delays = worker!.logs.filter((l) =>
      l.includes('infrastructure error: stage delayed, no attempt used'),
    ).length;
    expect(delays).toBeGreaterThan(0);
    console.log(
      `outage: ${ids.length} conversations inspected, 0 failed; ${delays} stage delay(s) in the worker's log, ${delayed.rows[0].n} recorded as events`,
    );
  }
}

describe('Redis stopped at upload time', () => {
  it('the upload still succeeds at once, and the conversation is processed when Redis is back (empty)', async () => {
    const { t } = stack;
    redis.stop();
    const t0 = Date.now();
    const r = await getJson(`${stack.proc.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat(100)),
    });
    const ms = Date.now() - t0;
    expect(r.status).toBe(201);
    expect(ms).toBeLessThan(8000); // the queue's answer is awaited 2 s at most (it hung for good before)
    redis.start();
    const pg = new Client({ connectionString: t.env.DATABASE_URL });
    await pg.connect();
    try {
      await waitFor(
        'the conversation uploaded during the Redis outage to be inspected',
        async () =>
          (await pg.query('SELECT status FROM conversations WHERE id = $1', [r.body.conversation.id])).rows[0]
            .status === 'inspected',
        120_000,
        1000,
      );
    } finally {
      await pg.end();
    }
  }, 150_000);
});
