import type { Logger } from '../lib/logger';
import type { ConversationRepository } from '../repositories/conversations';
import type { PipelineQueue } from '../repositories/queue';
import { pendingStage } from '../pipeline/stages';

/**
 * PostgreSQL is the system of record. For every unfinished conversation, make sure its next stage has a job:
 * re-enqueue when the job is gone (Redis lost its data), settle the conversation when the job finally failed.
 */
export async function reconcile(deps: {
  conversations: ConversationRepository;
  queue: PipelineQueue;
  log: Logger;
}): Promise<{ checked: number; requeued: number; failed: number }> {
  const todo = await deps.conversations.unfinished();
  let requeued = 0;
  let failed = 0;
  for (const c of todo) {
    const stage = pendingStage(c.status);
    if (!stage) continue;
    const job = await deps.queue.job(stage, c.id);
    if (!job) {
      const jobId = await deps.queue.enqueue(stage, c.id);
      await deps.conversations.recordEvent(c.id, stage, 'reconciled', { jobId, detail: { reason: 'no job in queue' } });
      requeued++;
      continue;
    }
    if (await job.isFailed()) {
      await deps.conversations.markFailed(c.id, stage, job.failedReason || 'job failed', { jobId: job.id });
      failed++;
    }
  }
  if (requeued || failed)
    deps.log.info({ checked: todo.length, requeued, failed }, 'reconciler settled unfinished conversations');
  return { checked: todo.length, requeued, failed };
}
