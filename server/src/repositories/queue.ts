import { Job, Queue } from 'bullmq';
import {
  jobIdFor,
  REINSPECT_QUEUE,
  ReinspectJob,
  REPORT_QUEUE,
  ReportJob,
  StageJob,
  StageName,
  STAGES,
} from '../pipeline/stages';

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  attempts: number;
  backoffMs: number;
}

export function redisConnection(url: string) {
  return { url, maxRetriesPerRequest: null, enableOfflineQueue: true };
}

/** Enqueues pipeline jobs. Payloads carry ids only: never text, audio or identifiers. */
export class PipelineQueue {
  private queues = new Map<StageName, Queue<StageJob>>();
  private reinspectQueue?: Queue<ReinspectJob>;
  private reportQueue?: Queue<ReportJob>;

  constructor(private readonly s: QueueSettings) {}

  queue(stage: StageName): Queue<StageJob> {
    let q = this.queues.get(stage);
    if (!q) {
      q = new Queue<StageJob>(stage, { connection: redisConnection(this.s.redisUrl), prefix: this.s.prefix });
      this.queues.set(stage, q);
    }
    return q;
  }

  async enqueue(stage: StageName, conversationId: string): Promise<string> {
    const jobId = jobIdFor(stage, conversationId);
    await this.queue(stage).add(
      stage,
      { conversationId, stage, version: STAGES[stage].version },
      {
        jobId,
        attempts: this.s.attempts,
        backoff: { type: 'exponential', delay: this.s.backoffMs },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
    return jobId;
  }

  async job(stage: StageName, conversationId: string): Promise<Job<StageJob> | undefined> {
    return (await this.queue(stage).getJob(jobIdFor(stage, conversationId))) ?? undefined;
  }

  /**
   * Each stage queue's depth (waiting, active, delayed, failed), the age of its oldest waiting job and the workers
   * connected to it (BullMQ lists the Redis clients of running workers).
   */
  async depths(now = Date.now()): Promise<
    Array<{
      stage: StageName;
      waiting: number;
      active: number;
      delayed: number;
      failed: number;
      oldestWaitingS: number | null;
      workers: number;
    }>
  > {
    const out = [];
    for (const stage of Object.keys(STAGES) as StageName[]) {
      const q = this.queue(stage);
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      // the oldest waiting job is the last of the wait list (BullMQ adds to the left)
      const [oldest] = await q.getJobs(['waiting', 'prioritized'], -1, -1, true);
      out.push({
        stage,
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
        oldestWaitingS: oldest ? Math.max(0, Math.round((now - oldest.timestamp) / 1000)) : null,
        workers: (await q.getWorkers()).length,
      });
    }
    return out;
  }

  /** Removes a stage's job for a conversation (a failed one blocks a new job with the same id). */
  async removeJob(stage: StageName, conversationId: string): Promise<void> {
    const job = await this.job(stage, conversationId);
    if (job) await job.remove();
  }

  /** The re-inspection job queue: one per process, like the stage queues. */
  reinspection(): Queue<ReinspectJob> {
    return (this.reinspectQueue ??= new Queue<ReinspectJob>(REINSPECT_QUEUE, {
      connection: redisConnection(this.s.redisUrl),
      prefix: this.s.prefix,
    }));
  }

  /** The scheduled-report queue. */
  reports(): Queue<ReportJob> {
    return (this.reportQueue ??= new Queue<ReportJob>(REPORT_QUEUE, {
      connection: redisConnection(this.s.redisUrl),
      prefix: this.s.prefix,
    }));
  }

  /**
   * A repeatable report job (BullMQ job scheduler, cron in UTC): created or changed in place under the schedule's
   * id, so saving a schedule twice leaves one scheduler. An outage delays a run (attempts with backoff), never drops it.
   */
  async upsertReportSchedule(id: string, pattern: string): Promise<void> {
    await this.reports().upsertJobScheduler(
      id,
      { pattern, tz: 'UTC' },
      {
        name: 'report',
        data: { scheduleId: id },
        opts: {
          attempts: 8,
          backoff: { type: 'exponential', delay: 60_000 },
          removeOnComplete: 100,
          removeOnFail: 100,
        },
      },
    );
  }

  async removeReportSchedule(id: string): Promise<void> {
    await this.reports().removeJobScheduler(id);
  }

  async reportSchedulers(): Promise<Array<{ id: string; pattern: string | null; next: number | null }>> {
    const all = await this.reports().getJobSchedulers(0, 1000);
    return all.map((j) => ({ id: String(j.key ?? j.id), pattern: j.pattern ?? null, next: j.next ?? null }));
  }

  /** One run of a schedule now (its period is computed from this moment, as for a fired run). */
  async runReportNow(id: string): Promise<string> {
    const job = await this.reports().add(
      'report',
      { scheduleId: id, manual: true },
      { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: 100, removeOnFail: 100 },
    );
    return String(job.id);
  }

  async close(): Promise<void> {
    await Promise.all(
      [
        ...this.queues.values(),
        ...(this.reinspectQueue ? [this.reinspectQueue] : []),
        ...(this.reportQueue ? [this.reportQueue] : []),
      ].map((q) => q.close()),
    );
    this.queues.clear();
    this.reinspectQueue = undefined;
    this.reportQueue = undefined;
  }
}
