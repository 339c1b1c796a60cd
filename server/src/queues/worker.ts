import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { isInfrastructureError } from '../lib/infrastructure';
import type { Logger } from '../lib/logger';
import { nextStage, StageJob, StageName } from '../pipeline/stages';
import type { ConversationRepository } from '../repositories/conversations';
import { PipelineQueue, redisConnection } from '../repositories/queue';
import { runStage } from './run-stage';
import type { StageHandler } from './stage-handler';

export interface WorkerSettings {
  redisUrl: string;
  prefix: string;
  lockDurationMs: number;
  /** first delay after an infrastructure error; doubles up to a minute */
  backoffMs: number;
  /** redeliveries of a job whose worker died (SIGKILL, OOM) before it counts as failed */
  maxStalledCount: number;
}

/** The delay before the n-th retry after an infrastructure error: doubling from `base`, at most a minute, jittered. */
export function infrastructureDelay(base: number, n: number): number {
  const d = Math.min(60_000, Math.max(250, base) * 2 ** Math.min(n, 8));
  return Math.round(d * (0.8 + Math.random() * 0.4));
}

/**
 * Runs one stage's jobs through its handler (runStage) and enqueues the next stage when it is done.
 * - An infrastructure error (database or Redis down, connection dropped, disk full) delays the job and uses up no
 *   attempt: an outage delays work, it never fails it. The job comes back after a backoff as long as it lasts.
 * - Any other error uses an attempt; a job that fails for good (attempts used up, or unrecoverable) leaves the
 *   conversation `failed` with the error (`hotline jobs retry` puts it back); with attempts left it is `retrying`.
 */
export function startStageWorker(
  handler: StageHandler<StageName, unknown>,
  deps: { conversations: ConversationRepository; queue: PipelineQueue; log: Logger },
  s: WorkerSettings,
): Worker<StageJob> {
  const stage = handler.stage;
  const worker = new Worker<StageJob>(
    stage,
    async (job, token) => {
      try {
        const { outcome } = await runStage(deps, handler, job);
        const next = nextStage(stage);
        if (next) {
          // the successor's job id is deterministic, so a redelivered job enqueues nothing twice
          const jobId = await deps.queue.enqueue(next, job.data.conversationId);
          await deps.conversations.recordEvent(job.data.conversationId, next, 'enqueued', { jobId });
        }
        return { outcome };
      } catch (e) {
        const err = e as Error;
        const attempt = job.attemptsMade + 1;
        const log = { jobId: job.id, conversationId: job.data.conversationId, stage, attempt };
        if (!(err instanceof UnrecoverableError) && isInfrastructureError(err) && token) {
          await delayForInfrastructure(job, token, s.backoffMs, deps, err);
          deps.log.warn({ ...log, err: err.message }, 'infrastructure error: stage delayed, no attempt used');
          throw new DelayedError();
        }
        const final = err instanceof UnrecoverableError || attempt >= (job.opts.attempts ?? 1);
        if (final)
          await deps.conversations.markFailed(job.data.conversationId, stage, err.message, { attempt, jobId: job.id });
        else
          await deps.conversations.recordEvent(job.data.conversationId, stage, 'retrying', {
            attempt,
            jobId: job.id,
            detail: { error: err.message.slice(0, 500) },
          });
        deps.log.warn({ ...log, final, err: err.message }, 'stage failed');
        throw e;
      }
    },
    {
      connection: redisConnection(s.redisUrl),
      prefix: s.prefix,
      concurrency: handler.concurrency,
      lockDuration: s.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(s.lockDurationMs / 2)),
      maxStalledCount: s.maxStalledCount,
    },
  );
  worker.on('error', (e) => deps.log.error({ stage, err: e.message }, 'worker error'));
  return worker;
}

/**
 * Moves the job back to the delayed set with a growing backoff (counted in the job's data, not in its attempts).
 * When Redis itself is unreachable this fails too: the original error is thrown instead, the job's lock lapses and
 * BullMQ redelivers it as stalled once Redis is back (the reconciler re-enqueues anything Redis lost).
 */
async function delayForInfrastructure(
  job: Job<StageJob>,
  token: string,
  backoffMs: number,
  deps: { conversations: ConversationRepository },
  err: Error,
): Promise<void> {
  const n = (job.data.infrastructureRetries ?? 0) + 1;
  try {
    await job.updateData({ ...job.data, infrastructureRetries: n });
    await job.moveToDelayed(Date.now() + infrastructureDelay(backoffMs, n - 1), token);
  } catch {
    throw err;
  }
  // best effort: the database may be the thing that is down
  await deps.conversations
    .recordEvent(job.data.conversationId, job.data.stage, 'retrying', {
      jobId: job.id,
      detail: { infrastructure: true, retries: n, error: err.message.slice(0, 500) },
    })
    .catch(() => undefined);
}
