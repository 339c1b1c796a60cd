import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/understanding/train/sparse-net';
import { metadataFor } from '../../src/synth/render';
import { OwnPostgres, OwnRedis, startOwnPostgres, startOwnRedis } from '../helpers/own-postgres';
import { MAIN, openStack, Stack, waitFor } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';

/**
 * `npm run chaos`: the appliance under faults, on a PostgreSQL and a Redis this run starts itself (ports 5489 and
 * 6488; the shared servers are never touched). While conversations (8 kHz and 16 kHz calls, chats, e-mails, SMS)
 * arrive in a seeded order, the worker is killed with SIGKILL every ~10 s and started again, PostgreSQL is stopped
 * for 30 s, and Redis is killed and comes back empty. The submitter behaves like a recorder: a 503 or a refused
 * connection is retried after Retry-After. Bounded: the faults end after CHAOS_FAULT_S (default 100 s), and the run
 * fails if the work has not settled CHAOS_SETTLE_S (default 300 s) after that.
 *
 * The bar: every accepted conversation ends inspected (scored, or not applicable with a reason): 0 failed, 0 lost
 * (accepted but absent), 0 duplicated (a conversation twice, a stage completed twice, two verdicts, an utterance
 * twice). The counts are printed.
 *
 * Environment: CHAOS_SEED (default 1), CHAOS_CONVERSATIONS (default 60), CHAOS_FAULT_S, CHAOS_SETTLE_S.
 */
const PG_PORT = 5489;
const REDIS_PORT = 6488;
const SEED = Number(process.env.CHAOS_SEED ?? 1);
const COUNT = Number(process.env.CHAOS_CONVERSATIONS ?? 60);
const FAULT_S = Number(process.env.CHAOS_FAULT_S ?? 100);
const SETTLE_S = Number(process.env.CHAOS_SETTLE_S ?? 300);

// seeded (the training code's mulberry32), so a run can be repeated exactly
const rand = mulberry32(SEED);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let own: OwnPostgres;
let redis: OwnRedis;
let stack: Stack;
let afterStop = () => {};
const log = (msg: string) => console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
let t0 = Date.now();

beforeAll(async () => {
  own = startOwnPostgres(PG_PORT);
  redis = await startOwnRedis(REDIS_PORT);
  stack = await openStack('chaos', 0, {
    env: {
      DATABASE_URL: own.url('hotline_chaos'),
      REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}/0`,
      HOTLINE_JOB_BACKOFF_MS: '500',
      HOTLINE_RECONCILE_INTERVAL_MS: '3000',
    },
  });
}, 180_000);

afterAll(async () => {
  afterStop();
  await stack?.close().catch(() => undefined);
  own?.destroy();
  redis?.stop();
});

type Submission = { kind: string; send: () => Promise<Response> };

function text(channel: 'chat' | 'email' | 'sms', n: number): Record<string, unknown> {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, s)).toISOString();
  const lines: Array<[string, string]> =
    channel === 'sms'
      ? [
          ['customer', `Hi, is my replacement card ${n} on its way?`],
          ['agent', 'Hello, this is City Bank. Yes, it was posted yesterday and should arrive within three days.'],
          ['customer', 'Thanks'],
        ]
      : [
          ['agent', 'Thank you for contacting City Bank, my name is Anna, how can I help?'],
          ['customer', `I was charged twice for order ${1000 + n} and I would like a refund.`],
          [
            'agent',
            'I am sorry to hear that. I have raised a dispute; you will hear from us within five working days.',
          ],
          ['customer', 'Thank you, that is all.'],
          ['agent', 'Is there anything else I can help with? Have a nice day.'],
        ];
  return {
    channel,
    agentId: 'anna',
    teamId: 'team-cards',
    queue: 'cards',
    externalId: `chaos-${SEED}-${channel}-${n}`,
    startedAt: at(0),
    messages: lines.map(([speaker, t], i) => ({ speaker, at: at(i * 40), text: t })),
  };
}

describe(`chaos (seed ${SEED}, ${COUNT} conversations, faults for ${FAULT_S} s)`, () => {
  it(
    'every accepted conversation ends inspected: 0 failed, 0 lost, 0 duplicated',
    async () => {
      const { idp, t, proc: api } = stack;
      const calls = [...synthCalls().values()];
      const recorder = () => idp.recorderToken();
      const submissions: Submission[] = [];
      for (let n = 0; n < COUNT; n++) {
        const r = rand();
        if (r < 0.35) {
          const { script, call } = calls[Math.floor(rand() * calls.length)];
          const variant = rand() < 0.6 ? '8k' : '16k';
          const audio = fs.readFileSync(variant === '8k' ? call.wav8kUlaw : call.wav16k);
          const meta = { ...metadataFor(script, variant), externalId: `chaos-${SEED}-call-${n}` };
          submissions.push({
            kind: `call ${variant}`,
            send: async () => {
              const form = new FormData();
              form.append('audio', new Blob([new Uint8Array(audio)], { type: 'audio/wav' }), 'call.wav');
              form.append('metadata', JSON.stringify(meta));
              return fetch(`${api.base}/api/v1/calls`, {
                method: 'POST',
                headers: { authorization: `Bearer ${await recorder()}` },
                body: form,
              });
            },
          });
        } else {
          const channel = r < 0.65 ? 'chat' : r < 0.85 ? 'email' : 'sms';
          const body = JSON.stringify(text(channel, n));
          submissions.push({
            kind: channel,
            send: async () =>
              fetch(`${api.base}/api/v1/conversations`, {
                method: 'POST',
                headers: { authorization: `Bearer ${await recorder()}`, 'content-type': 'application/json' },
                body,
              }),
          });
        }
      }

      t0 = Date.now();
      const faultEnd = t0 + FAULT_S * 1000;
      const counts = { kills: 0, workerStarts: 0, refused503: 0, connectionErrors: 0, otherRetries: 0 };
      // the worker as a process of its own, not waited for: the killer's clock does not stop while a worker starts
      // (a worker killed while it is still starting is part of the chaos)
      let child: ChildProcess | undefined;
      const spawnWorker = () => {
        counts.workerStarts++;
        child = spawn(process.execPath, [MAIN, 'worker'], {
          env: { ...process.env, ...t.env, HOTLINE_ASR_CONCURRENCY: '1' },
          stdio: 'ignore',
        });
      };
      const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
      spawnWorker();

      // the killer: SIGKILL the worker every 8–12 s of the clock while the faults last, and start a new one at once;
      // one that died on its own (it cannot start while PostgreSQL is down) is started again
      const killer = (async () => {
        while (Date.now() < faultEnd) {
          await sleep(8000 + rand() * 4000);
          if (Date.now() >= faultEnd) break;
          if (alive()) {
            const dead = new Promise((r) => child!.once('exit', r));
            child!.kill('SIGKILL');
            await dead;
            counts.kills++;
          }
          spawnWorker();
        }
        // after the faults, one worker that stays (started again until it runs)
        if (!alive()) spawnWorker();
      })();
      const keeper = setInterval(() => {
        if (!alive() && Date.now() >= faultEnd) spawnWorker();
      }, 3000);

      // the infrastructure: PostgreSQL down for 30 s from ~15 s; Redis killed and back empty at ~65 s
      const outages = (async () => {
        await sleep(15_000);
        stack.pg.on('error', () => undefined);
        log('PostgreSQL stopped');
        own.stop();
        await sleep(30_000);
        own.start();
        log('PostgreSQL started');
        await sleep(Math.max(0, t0 + 65_000 - Date.now()));
        redis.stop();
        log('Redis killed (its data is gone)');
        await sleep(3000);
        await redis.start();
        log('Redis started, empty');
      })();

      // the submitter: one conversation every ~1 s, each retried like a recorder would until it is accepted
      const accepted = new Map<string, string>(); // conversation id → kind
      const submitter = (async () => {
        for (const s of submissions) {
          await sleep(500 + rand() * 1000);
          for (let attempt = 0; ; attempt++) {
            let res: Response | undefined;
            try {
              res = await s.send();
            } catch {
              counts.connectionErrors++;
            }
            if (res && (res.status === 201 || res.status === 202 || res.status === 200)) {
              const body = (await res.json()) as { conversation: { id: string } };
              accepted.set(body.conversation.id, s.kind);
              break;
            }
            if (res?.status === 503) counts.refused503++;
            else if (res) {
              counts.otherRetries++;
              log(`unexpected ${res.status}: ${(await res.text()).slice(0, 200)}`);
            }
            const retryAfter = Number(res?.headers.get('retry-after') ?? 2);
            await sleep(Math.min(retryAfter, 5) * 1000);
            if (attempt > 200) throw new Error('a submission was never accepted');
          }
        }
        log(`all ${submissions.length} submissions accepted`);
      })();

      await Promise.all([submitter, outages, killer]);
      afterStop = () => {
        clearInterval(keeper);
        if (alive()) child!.kill('SIGKILL');
      };
      log(`faults over: ${counts.kills} worker kills; waiting for the work to settle`);

      const pg = new Client({ connectionString: t.env.DATABASE_URL });
      await pg.connect();
      try {
        const ids = [...accepted.keys()];
        const settled = async () =>
          (
            await pg.query(
              `SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status IN ('inspected', 'failed')`,
              [ids],
            )
          ).rows[0].n as number;
        await waitFor(
          'every accepted conversation to settle',
          async () => (await settled()) === ids.length,
          SETTLE_S * 1000,
          2000,
        ).catch(async (e) => {
          const left = await pg.query(
            `SELECT status, count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status NOT IN ('inspected', 'failed') GROUP BY 1`,
            [ids],
          );
          console.error('unsettled', JSON.stringify(left.rows));
          throw e;
        });
        const q = async (sql: string) => (await pg.query(sql, [ids])).rows;
        const states = await q(`SELECT status, count(*)::int AS n FROM conversations WHERE id = ANY($1) GROUP BY 1`);
        const present = (await q(`SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1)`))[0].n as number;
        const outcomes = await q(
          `SELECT v.outcome, count(*)::int AS n FROM verdicts v WHERE v.conversation_id = ANY($1) GROUP BY 1 ORDER BY 1`,
        );
        // the database is this run's own: a conversation beyond the accepted ones is a duplicate
        const all = (await pg.query(`SELECT count(*)::int AS n FROM conversations`)).rows[0].n as number;
        const dupConversations = all - present;
        const dupStages = await q(
          `SELECT conversation_id, stage FROM stage_runs WHERE conversation_id = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
        );
        const dupVerdicts = await q(
          `SELECT conversation_id FROM verdicts WHERE conversation_id = ANY($1) GROUP BY 1 HAVING count(*) > 1`,
        );
        const dupUtterances = await q(
          `SELECT conversation_id FROM utterances WHERE conversation_id = ANY($1) GROUP BY conversation_id, speaker, start_ms, seq HAVING count(*) > 1`,
        );
        const delayed = (
          await q(
            `SELECT count(*)::int AS n FROM processing_events WHERE conversation_id = ANY($1) AND kind = 'retrying' AND detail->>'infrastructure' = 'true'`,
          )
        )[0].n as number;
        const reconciled = (
          await q(
            `SELECT count(DISTINCT conversation_id)::int AS n FROM processing_events WHERE conversation_id = ANY($1) AND kind = 'reconciled'`,
          )
        )[0].n as number;
        const failed = states.find((s) => s.status === 'failed')?.n ?? 0;
        const kinds = [...accepted.values()].reduce<Record<string, number>>(
          (a, k) => ({ ...a, [k]: (a[k] ?? 0) + 1 }),
          {},
        );
        const figures = {
          seed: SEED,
          submitted: submissions.length,
          accepted: accepted.size,
          byKind: kinds,
          inspected: states.find((s) => s.status === 'inspected')?.n ?? 0,
          verdicts: Object.fromEntries(outcomes.map((o) => [o.outcome, o.n])),
          failed,
          lost: accepted.size - present,
          duplicated: dupConversations + dupStages.length + dupVerdicts.length + dupUtterances.length,
          ...counts,
          infrastructureDelaysRecorded: delayed,
          reconciledConversations: reconciled,
          seconds: Math.round((Date.now() - t0) / 1000),
        };
        console.log(`chaos: ${JSON.stringify(figures)}`);
        expect({ failed: figures.failed, lost: figures.lost, duplicated: figures.duplicated }).toEqual({
          failed: 0,
          lost: 0,
          duplicated: 0,
        });
        expect(accepted.size).toBe(submissions.length);
        expect(figures.inspected).toBe(accepted.size);
        // a kill every 8–12 s of the clock (of a worker running or starting; while PostgreSQL is down a new worker
        // exits on its own before the next kill)
        expect(counts.kills).toBeGreaterThanOrEqual(Math.floor((FAULT_S - 30) / 12));
        expect(counts.refused503).toBeGreaterThan(0); // the outage was felt by the submitter
      } finally {
        await pg.end();
      }
    },
    (FAULT_S + SETTLE_S + 120) * 1000,
  );
});
