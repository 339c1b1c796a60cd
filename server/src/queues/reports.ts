import { Job, Worker } from 'bullmq';
import { reportDeps, runScheduledReport } from '../commands/reports';
import { redisConnection } from '../repositories/queue';
import { REPORT_QUEUE, ReportJob } from '../pipeline/stages';
import type { Services } from '../services';

/** Runs scheduled (and run-now) compliance reports, one at a time: a month over many conversations is heavy. */
export function startReportWorker(s: Services): Worker<ReportJob> {
  const deps = { ...reportDeps(s.reports, s.config), vault: s.vault, objects: s.objects, audit: s.audit };
  const w = new Worker<ReportJob>(
    REPORT_QUEUE,
    async (job: Job<ReportJob>) => {
      const r = await runScheduledReport(deps, job.data);
      s.log.info(
        { schedule: job.data.scheduleId, report: r?.id ?? null, period: r ? `${r.periodFrom}..${r.periodTo}` : null },
        r ? 'scheduled report made' : 'schedule no longer exists; nothing made',
      );
      return r ? { reportId: r.id } : { skipped: true };
    },
    { connection: redisConnection(s.config.REDIS_URL), prefix: s.config.HOTLINE_QUEUE_PREFIX, concurrency: 1 },
  );
  w.on('error', (e) => s.log.error({ err: e.message }, 'report worker error'));
  return w;
}
