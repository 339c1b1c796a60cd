import { Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../lib/logger';
import type { ConversationRepository } from '../repositories/conversations';
import { redisConnection } from '../repositories/queue';
import { nextStage, StageJob, StageName } from './stages';
import type { PipelineQueue } from '../repositories/queue';

export type Processor = (job: Job<StageJob>) => Promise<unknown>;

export interface WorkerSettings {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
}

/**
 * Runs one stage's processor and enqueues the next stage when it is done. A job that fails for good (attempts used up, or unrecoverable) leaves the
 * conversation `failed` with the error; a failure with attempts left is recorded as `retrying`.
 */
export function startStageWorker(
  stage: StageName,
  processor: Processor,
  deps: { conversations: ConversationRepository; queue: PipelineQueue; log: Logger },
  s: WorkerSettings,
): Worker<StageJob> {
  const worker = new Worker<StageJob>(
    stage,
    async (job) => {
      try {
        const result = await processor(job);
        const next = nextStage(stage);
        if (next) {
          // the successor's job id is deterministic, so a redelivered job enqueues nothing twice
          const jobId = await deps.queue.enqueue(next, job.data.conversationId);
          await deps.conversations.recordEvent(job.data.conversationId, next, 'enqueued', { jobId });
        }
        return result;
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
      concurrency: s.concurrency,
      lockDuration: s.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(s.lockDurationMs / 2)),
      maxStalledCount: 2,
    },
  );
  worker.on('error', (e) => deps.log.error({ stage, err: e.message }, 'worker error'));
  return worker;
}
