import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageReport } from '../../src/commands/coverage';
import { decodeCursor } from '../../src/commands/conversations';
import { listFailed, retryFailed } from '../../src/commands/jobs';
import { retireKekVersions } from '../../src/commands/keys';
import { eraseSubject } from '../../src/commands/retention';
import { loadConfig } from '../../src/config';
import { ingestText } from '../../src/ingest/ingest-text';
import { DomainError } from '../../src/lib/errors';
import { isInfrastructureError } from '../../src/lib/infrastructure';
import { createLogger } from '../../src/lib/logger';
import { jobIdFor, STAGES } from '../../src/pipeline/stages';
import type { FileKeyring } from '../../src/protection/keyring';
import { reconcile } from '../../src/queues/reconciler';
import { runStage } from '../../src/queues/run-stage';
import type { StageHandler } from '../../src/queues/stage-handler';
import { startStageWorker } from '../../src/queues/worker';
import { redisConnection } from '../../src/repositories/queue';
import { closeServices, createServices, Services } from '../../src/services';
import { makeTestEnv, TestEnv, waitFor } from '../helpers/stack';

/**
 * The one stage contract, the reconciler and the commands, driven directly on real PostgreSQL and Redis (no
 * worker process): a fault here shows as a failed assertion in seconds, not as an integration test's time-out.
 */
let t: TestEnv;
let s: Services;
const operator = { actorId: 'test:operator', actorName: 'stage contract test', roles: [], requestId: null };

beforeAll(async () => {
  t = await makeTestEnv('stagecontract', 7);
  s = await createServices(loadConfig({ ...t.env, HOTLINE_LOG_LEVEL: 'silent' }), createLogger('silent'));
});
afterAll(async () => {
  if (s) await closeServices(s);
});

let n = 0;
/** A text conversation as the API would take it: protected at ingest, queued for `understand`. */
async function textConversation(customerRef?: string): Promise<string> {
  n++;
  const at = `2026-11-0${1 + (n % 8)}T10:00:00Z`;
  const r = await ingestText(s, {
    channel: 'chat',
    agentId: 'anna',
    teamId: 'team-cards',
    externalId: `stage-contract-${n}`,
    ...(customerRef ? { customerRef } : {}),
    startedAt: at,
    messages: [
      { speaker: 'customer', at, text: 'I would like to order a new card please.' },
      { speaker: 'agent', at, text: 'Certainly, I will send one out today.' },
    ],
  });
  expect(r.conversation.status).toBe('protected');
  return r.conversation.id;
}

const job = (conversationId: string, attemptsMade = 0) => ({
  id: jobIdFor('understand', conversationId),
  data: { conversationId, stage: 'understand' as const, version: STAGES.understand.version },
  attemptsMade,
});

/** A handler for the understand stage that records what runStage did with it. */
function recordingHandler(run: () => Promise<string> = async () => 'card_arrival') {
  const calls = { run: 0, save: 0, after: [] as string[] };
  const h: StageHandler<'understand', string> = {
    stage: 'understand',
    concurrency: 1,
    async run() {
      calls.run++;
      return run();
    },
    async save(_tx, intent) {
      calls.save++;
      return { intent, intentConfidence: 0.5 };
    },
    summary: (intent) => ({ intent }),
    durationMs: () => 1234,
    async afterCommit(_r, outcome) {
      calls.after.push(outcome);
    },
  };
  return { h, calls };
}

describe('runStage: every stage through one contract', () => {
  it('runs the work, writes result, stage row and state in one go, then afterCommit; a redelivery does nothing', async () => {
    const id = await textConversation();
    const { h, calls } = recordingHandler();
    expect(await runStage(s, h, job(id))).toEqual({ outcome: 'completed', result: 'card_arrival' });
    const c = (await s.conversations.get(id))!;
    expect([c.status, c.intent, c.intentConfidence]).toEqual(['understood', 'card_arrival', 0.5]);
    const events = (await s.conversations.events(id)).filter((e) => e.stage === 'understand');
    // ingest queued it; the stage's delivery started it and completed it
    expect(events.map((e) => e.kind)).toEqual(['enqueued', 'started', 'completed']);
    expect(events[2].detail).toMatchObject({ intent: 'card_arrival', ms: 1234 });
    expect(await s.conversations.stageDone(id, 'understand', STAGES.understand.version)).toBe(true);
    expect(calls).toEqual({ run: 1, save: 1, after: ['completed'] });

    expect(await runStage(s, h, job(id, 1))).toEqual({ outcome: 'already_done' });
    expect(calls.run).toBe(1);
  });

  it('two deliveries racing: both work, exactly one writes; the other learns already_done after its commit attempt', async () => {
    const id = await textConversation();
    const { h, calls } = recordingHandler(() => new Promise((r) => setTimeout(() => r('card_arrival'), 200)));
    const both = await Promise.all([runStage(s, h, job(id)), runStage(s, h, job(id, 1))]);
    expect(both.map((b) => b.outcome).sort()).toEqual(['already_done', 'completed']);
    expect(calls.run).toBe(2);
    expect(calls.save).toBe(1);
    expect(calls.after.sort()).toEqual(['already_done', 'completed']);
    const completed = (await s.conversations.events(id)).filter(
      (e) => e.stage === 'understand' && e.kind === 'completed',
    );
    expect(completed).toHaveLength(1);
  });

  it('a refusal no retry can change is unrecoverable; an infrastructure error is thrown as it is (retried)', async () => {
    const id = await textConversation();
    const refusing = recordingHandler(async () => {
      throw new DomainError('not_found', 'no_recording', 'nothing to work on');
    });
    await expect(runStage(s, refusing.h, job(id))).rejects.toBeInstanceOf(UnrecoverableError);
    const flaky = recordingHandler(async () => {
      throw new Error('connection reset');
    });
    const err = await runStage(s, flaky.h, job(id)).catch((e: Error) => e);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toBe('connection reset');
    // nothing was written: the conversation waits in the stage's running state for the next attempt
    expect((await s.conversations.get(id))!.status).toBe('understanding');
    expect(await s.conversations.stageDone(id, 'understand', STAGES.understand.version)).toBe(false);
    expect(refusing.calls.save + flaky.calls.save).toBe(0);
  });

  it('a job for a conversation that does not exist is unrecoverable', async () => {
    const { h } = recordingHandler();
    await expect(runStage(s, h, job('00000000-0000-4000-8000-000000000000'))).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });
});

describe('reconciler: PostgreSQL is the system of record', () => {
  it('re-enqueues a conversation whose job is gone, once; settles one whose job failed for good', async () => {
    const lost = await textConversation();
    const q = s.queue.queue('understand');
    await q.remove(jobIdFor('understand', lost));
    expect(await s.queue.job('understand', lost)).toBeUndefined();
    const first = await reconcile(s);
    expect(first.requeued).toBeGreaterThanOrEqual(1);
    expect(await s.queue.job('understand', lost)).toBeDefined();
    expect((await s.conversations.events(lost)).map((e) => e.kind)).toContain('reconciled');
    const again = await reconcile(s);
    expect(again.requeued).toBe(0);

    // a worker that refuses every job: the job fails for good, the reconciler marks the conversation failed
    const doomed = await textConversation();
    const failedOnce = new Promise<void>((resolve) => {
      const w = new Worker(
        'understand',
        async () => {
          throw new UnrecoverableError('model refused the input');
        },
        { connection: redisConnection(t.redisUrl), prefix: t.prefix, autorun: true },
      );
      w.on('failed', async (j) => {
        if (j?.data.conversationId === doomed) {
          await w.close();
          resolve();
        }
      });
    });
    await failedOnce;
    await reconcile(s);
    const c = (await s.conversations.get(doomed))!;
    expect([c.status, c.failedStage, c.failureReason]).toEqual(['failed', 'understand', 'model refused the input']);
  });
});

describe('commands refuse with domain errors the HTTP layer and the CLI map', () => {
  it('a crafted cursor and an inverted period are invalid input', async () => {
    expect(() => decodeCursor(Buffer.from('not-a-date|x').toString('base64url'))).toThrow(DomainError);
    await expect(coverageReport(s, { from: '2026-11-10', to: '2026-11-01' }, 60)).rejects.toMatchObject({
      kind: 'invalid',
      code: 'invalid_period',
    });
  });

  it('erasing an unknown subject is not found, and the refusal is in the audit trail', async () => {
    const before = await countAudit('subject.erase', 'denied');
    await expect(eraseSubject(s, 'CUST-NOBODY', operator, 'ticket 4711: customer request')).rejects.toMatchObject({
      kind: 'not_found',
    });
    expect(await countAudit('subject.erase', 'denied')).toBe(before + 1);
  });

  it('retiring a KEK version that still wraps data keys is a conflict, audited, and deletes nothing', async () => {
    await textConversation('CUST-KEYS-1');
    const ring = s.vault.kek as FileKeyring;
    await expect(retireKekVersions(s, ring, ring.activeVersion() + 1, operator)).rejects.toMatchObject({
      kind: 'conflict',
      code: 'still_wrapped',
    });
    expect(await countAudit('key.retire', 'denied')).toBe(1);
    // every key still opens
    const st = await s.vault.keyStatus();
    expect(st.total).toBeGreaterThan(0);
  });
});

async function countAudit(action: string, outcome: string): Promise<number> {
  let k = 0;
  for await (const r of s.audit.rows()) if (r.action === action && r.outcome === outcome) k++;
  return k;
}

describe('an outage delays work, never fails it; what failed for good can be retried', () => {
  const settings = () => ({
    redisUrl: t.redisUrl,
    prefix: t.prefix,
    lockDurationMs: 4000,
    backoffMs: 100,
    maxStalledCount: 20,
  });

  it('infrastructure errors, more of them than attempts, use up no attempt: the stage completes', async () => {
    const id = await textConversation();
    let outages = 0;
    const h: StageHandler<'understand', string> = {
      ...recordingHandler().h,
      async run({ conv }) {
        if (conv.id === id && outages < 4) {
          outages++;
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        }
        return 'card_arrival';
      },
    };
    const w = startStageWorker(h, s, settings());
    try {
      await waitFor(
        'the conversation to be understood',
        async () => (await s.conversations.get(id))!.status === 'understood',
        60_000,
        200,
      );
    } finally {
      await w.close();
    }
    expect(outages).toBe(4); // the queue gives each job 3 attempts
    const events = (await s.conversations.events(id)).filter((e) => e.stage === 'understand');
    expect(events.filter((e) => e.kind === 'retrying').map((e) => e.detail)).toEqual(
      [1, 2, 3, 4].map((n) => expect.objectContaining({ infrastructure: true, retries: n })),
    );
    expect(events.some((e) => e.kind === 'failed')).toBe(false);
  });

  it('a conversation that failed for good goes back at the stage that failed, and completes; audited', async () => {
    const id = await textConversation();
    let broken = true;
    const h: StageHandler<'understand', string> = {
      ...recordingHandler().h,
      async run({ conv }) {
        if (conv.id === id && broken) throw new DomainError('invalid', 'model_refused', 'the model refused the input');
        return 'card_arrival';
      },
    };
    const w = startStageWorker(h, s, settings());
    try {
      await waitFor('the failure', async () => (await s.conversations.get(id))!.status === 'failed', 30_000, 200);
      expect((await listFailed(s)).find((f) => f.id === id)).toMatchObject({
        stage: 'understand',
        reason: 'the model refused the input',
      });
      await expect(retryFailed(s, operator, ['00000000-0000-4000-8000-000000000000'])).rejects.toMatchObject({
        kind: 'conflict',
      });
      broken = false;
      expect(await retryFailed(s, operator, [id])).toEqual({ retried: [id], skipped: [] });
      await waitFor(
        'the retried stage',
        async () => (await s.conversations.get(id))!.status === 'understood',
        30_000,
        200,
      );
    } finally {
      await w.close();
    }
    const kinds = (await s.conversations.events(id)).filter((e) => e.stage === 'understand').map((e) => e.kind);
    expect(kinds.slice(-4)).toEqual(['retrying', 'enqueued', 'started', 'completed']);
    expect(await countAudit('jobs.retry', 'allowed')).toBe(1);
  });

  it("bounds lock waits and idle transactions in the application's sessions", async () => {
    const [row] = (await s.db.query(
      `SELECT current_setting('lock_timeout') AS lock, current_setting('idle_in_transaction_session_timeout') AS idle`,
    )) as Array<{ lock: string; idle: string }>;
    expect(row).toEqual({ lock: '1min', idle: '2min' });
    // a lock held elsewhere: the wait ends in 55P03 (an infrastructure error, the job is delayed) instead of for ever
    const holder = s.db.createQueryRunner();
    const waiter = s.db.createQueryRunner();
    try {
      await holder.startTransaction();
      await holder.query(`SELECT pg_advisory_xact_lock(424242)`);
      await waiter.startTransaction();
      await waiter.query(`SET LOCAL lock_timeout = 200`);
      const err = await waiter.query(`SELECT pg_advisory_xact_lock(424242)`).catch((e: unknown) => e);
      expect((err as { driverError?: { code?: string } }).driverError?.code).toBe('55P03');
      expect(isInfrastructureError(err)).toBe(true);
    } finally {
      await waiter.rollbackTransaction().catch(() => undefined);
      await holder.rollbackTransaction().catch(() => undefined);
      await waiter.release();
      await holder.release();
    }
  });

  it('tells infrastructure errors from the work failing', () => {
    const pg = (code: string) => Object.assign(new Error('pg'), { code });
    for (const e of [
      pg('ECONNREFUSED'),
      pg('57P01'),
      pg('08006'),
      pg('53300'),
      pg('55P03'),
      pg('25P03'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('wrapped', { cause: pg('ETIMEDOUT') }),
      Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }),
    ])
      expect(isInfrastructureError(e), e.message).toBe(true);
    for (const e of [
      pg('ENOENT'),
      pg('23505'),
      new Error('invalid input syntax'),
      new TypeError('x is undefined'),
      null,
    ])
      expect(isInfrastructureError(e)).toBe(false);
  });
});
