import { Job, Queue } from 'bullmq';
import { jobIdFor, REINSPECT_QUEUE, ReinspectJob, StageJob, StageName, STAGES } from '../pipeline/stages';

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

  async close(): Promise<void> {
    await Promise.all(
      [...this.queues.values(), ...(this.reinspectQueue ? [this.reinspectQueue] : [])].map((q) => q.close()),
    );
    this.queues.clear();
    this.reinspectQueue = undefined;
  }
}
