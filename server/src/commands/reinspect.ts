import { inspectConversation, InspectDeps } from './inspect-conversation';
import type { Caller } from '../authz/visible';
import { invalid, notFound } from '../lib/errors';
import { isInfrastructureError } from '../lib/infrastructure';
import type { Logger } from '../lib/logger';
import type { ReinspectJob } from '../pipeline/stages';
import type { PipelineQueue } from '../repositories/queue';

export interface ReinspectProgress {
  total: number;
  done: number;
  changed: number;
  unchanged: number;
  skipped: number;
}

/**
 * Re-inspects every inspected conversation that started in [from, to) against the policies active now. A verdict
 * that comes out different (new policy version, or new models) is added as the current one; the old one stays.
 * An identical verdict adds nothing, so running the job twice changes nothing the second time.
 */
export async function runReinspection(
  deps: InspectDeps & { log: Logger },
  data: ReinspectJob,
  progress: (p: ReinspectProgress) => Promise<void> = async () => undefined,
): Promise<ReinspectProgress> {
  const ids = (await deps.conversations.idsStartedBetween(new Date(data.from), new Date(data.to), 'inspected')).map(
    (r) => r.id,
  );
  const p: ReinspectProgress = { total: ids.length, done: 0, changed: 0, unchanged: 0, skipped: 0 };
  const policies = await deps.inspections.activePolicies();
  for (const id of ids) {
    const conv = await deps.conversations.get(id);
    try {
      if (!conv) throw new Error('gone');
      const verdict = await inspectConversation(deps, conv, policies);
      const saved = await deps.inspections.replaceVerdict(id, verdict, 'reinspection');
      if (saved) p.changed++;
      else p.unchanged++;
    } catch (e) {
      // the database or Redis failing is an outage, not this conversation: the job stops and BullMQ runs it again after
      // a backoff (what was re-inspected already comes out identical and is not written twice)
      if (isInfrastructureError(e)) throw e;
      // an erased conversation (key destroyed) or one deleted meanwhile: counted, never silently dropped
      deps.log.warn({ conversationId: id, err: (e as Error).name }, 're-inspection skipped a conversation');
      p.skipped++;
    }
    p.done++;
    if (p.done % 50 === 0) await progress({ ...p });
  }
  await progress({ ...p });
  deps.log.info({ ...p }, 're-inspection finished');
  return p;
}

/** Queues the re-inspection of a period (a background job); audited. */
export async function requestReinspection(
  d: { queue: PipelineQueue },
  caller: Caller,
  period: { from: string; to: string },
): Promise<{ jobId: string }> {
  if (Date.parse(period.from) >= Date.parse(period.to)) throw invalid('invalid_period', 'from must be before to');
  const job = await d.queue.reinspection().add(
    'reinspect',
    { from: period.from, to: period.to, requestedBy: caller.principal.username },
    {
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 7 * 86_400 },
      // an outage stops the job; it starts again after 5 s, 10 s, 20 s, … (12 tries, some 6 hours in all)
      attempts: 12,
      backoff: { type: 'exponential', delay: 5000 },
    },
  );
  await caller.audit('inspection.reinspect', { type: 'job', id: String(job.id) }, 'allowed', { details: period });
  return { jobId: String(job.id) };
}

/** Progress and result of a re-inspection job. */
export async function reinspectionStatus(d: { queue: PipelineQueue }, jobId: string) {
  const first = await d.queue.reinspection().getJob(jobId);
  if (!first) throw notFound('job');
  const state = await first.getState();
  // the job may have finished between reading it and its state: read it again once finished, so a completed job is
  // never shown without its result (BullMQ stores the result as it moves the job to completed)
  const job =
    state === 'completed' || state === 'failed' ? ((await d.queue.reinspection().getJob(jobId)) ?? first) : first;
  return {
    jobId,
    state,
    progress: job.progress,
    result: job.returnvalue ?? null,
    error: job.failedReason ?? null,
  };
}
