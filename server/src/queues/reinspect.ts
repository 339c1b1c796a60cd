import { Job, Worker } from 'bullmq';
import type { InspectDeps } from '../commands/inspect-conversation';
import { runReinspection } from '../commands/reinspect';
import type { Logger } from '../lib/logger';
import { redisConnection } from '../repositories/queue';
import { REINSPECT_QUEUE, ReinspectJob } from '../pipeline/stages';

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
