import { Job, Worker } from 'bullmq';
import { inspectConversation, InspectDeps } from '../commands/inspect-conversation';
import type { Logger } from '../lib/logger';
import { redisConnection } from '../repositories/queue';
import { REINSPECT_QUEUE, ReinspectJob } from './stages';

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

export function startReinspectWorker(
  deps: InspectDeps & { log: Logger },
  redisUrl: string,
  prefix: string,
): Worker<ReinspectJob> {
  const w = new Worker<ReinspectJob>(
    REINSPECT_QUEUE,
    (job: Job<ReinspectJob>) => runReinspection(deps, job.data, (p) => job.updateProgress(p as never)),
    {
      connection: redisConnection(redisUrl),
      prefix,
      concurrency: 1,
    },
  );
  w.on('error', (e) => deps.log.error({ err: e.message }, 're-inspection worker error'));
  return w;
}
