import { conflict } from '../lib/errors';
import { isStageName, STAGES } from '../pipeline/stages';
import type { Actor, AuditLog } from '../repositories/audit-log';
import type { ConversationRepository } from '../repositories/conversations';
import type { PipelineQueue } from '../repositories/queue';

export interface JobDeps {
  conversations: ConversationRepository;
  queue: PipelineQueue;
  audit: AuditLog;
}

export interface FailedConversation {
  id: string;
  stage: string | null;
  reason: string | null;
  since: Date;
}

/** Conversations that failed for good, oldest first (ids, stages and error messages: no content). */
export async function listFailed(d: Pick<JobDeps, 'conversations'>, limit = 1000): Promise<FailedConversation[]> {
  return (await d.conversations.failed(limit)).map((c) => ({
    id: c.id,
    stage: c.failedStage,
    reason: c.failureReason,
    since: c.updatedAt,
  }));
}

/**
 * Puts failed conversations back into the pipeline at the stage that failed: the failure is cleared, the failed
 * job removed and a new one queued; what the earlier stages stored stays (each stage runs once). Audited, with the
 * operator or admin who asked. `ids` absent: every failed conversation.
 */
export async function retryFailed(
  d: JobDeps,
  actor: Actor,
  ids?: string[],
): Promise<{ retried: string[]; skipped: Array<{ id: string; why: string }> }> {
  const failed = await d.conversations.failed(100_000);
  const byId = new Map(failed.map((c) => [c.id, c]));
  const wanted = ids ?? failed.map((c) => c.id);
  const retried: string[] = [];
  const skipped: Array<{ id: string; why: string }> = [];
  for (const id of wanted) {
    const c = byId.get(id);
    if (!c) {
      skipped.push({ id, why: 'not failed' });
      continue;
    }
    const stage = c.failedStage;
    if (!stage || !isStageName(stage)) {
      skipped.push({ id, why: `failed in ${stage ?? 'no stage'}, which is not a pipeline stage` });
      continue;
    }
    await d.queue.removeJob(stage, id);
    if (!(await d.conversations.reopenFailed(id, stage, STAGES[stage].from, { retriedBy: actor.actorId }))) {
      skipped.push({ id, why: 'changed meanwhile' });
      continue;
    }
    const jobId = await d.queue.enqueue(stage, id);
    await d.conversations.recordEvent(id, stage, 'enqueued', { jobId });
    retried.push(id);
  }
  if (ids && retried.length === 0 && skipped.length)
    throw conflict('nothing_to_retry', `nothing to retry: ${skipped.map((s) => `${s.id} ${s.why}`).join('; ')}`);
  await d.audit.append({
    ...actor,
    action: 'jobs.retry',
    objectType: 'conversation',
    objectId: retried.length === 1 ? retried[0] : null,
    reason: null,
    outcome: 'allowed',
    details: { retried, skipped },
  });
  return { retried, skipped };
}
