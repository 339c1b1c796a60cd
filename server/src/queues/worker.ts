import { UnrecoverableError, Worker } from 'bullmq';
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
}

/**
 * Runs one stage's jobs through its handler (runStage) and enqueues the next stage when it is done. A job that fails for good (attempts used up, or unrecoverable) leaves the
 * conversation `failed` with the error; a failure with attempts left is recorded as `retrying`.
 */
export function startStageWorker(
  handler: StageHandler<StageName, unknown>,
  deps: { conversations: ConversationRepository; queue: PipelineQueue; log: Logger },
  s: WorkerSettings,
): Worker<StageJob> {
  const stage = handler.stage;
  const worker = new Worker<StageJob>(
    stage,
    async (job) => {
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
        const final = err instanceof UnrecoverableError || attempt >= (job.opts.attempts ?? 1);
        if (final)
          await deps.conversations.markFailed(job.data.conversationId, stage, err.message, { attempt, jobId: job.id });
        else
          await deps.conversations.recordEvent(job.data.conversationId, stage, 'retrying', {
            attempt,
            jobId: job.id,
            detail: { error: err.message.slice(0, 500) },
          });
        deps.log.warn(
          { jobId: job.id, conversationId: job.data.conversationId, stage, attempt, final, err: err.message },
          'stage failed',
        );
        throw e;
      }
    },
    {
      connection: redisConnection(s.redisUrl),
      prefix: s.prefix,
      concurrency: handler.concurrency,
      lockDuration: s.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(s.lockDurationMs / 2)),
      maxStalledCount: 2,
    },
  );
  worker.on('error', (e) => deps.log.error({ stage, err: e.message }, 'worker error'));
  return worker;
}
