import { Job, UnrecoverableError } from 'bullmq';
import type { EntityManager } from 'typeorm';
import type { Conversation } from '../../entities/conversation';
import type { Logger } from '../../lib/logger';
import type { ConversationRepository } from '../../repositories/conversations';
import { StageJob, StageName, STAGES } from '../stages';

export interface StageStart {
  conv: Conversation;
  log: Logger;
  attempt: number;
}

/**
 * What every stage processor does first: a redelivered job whose stage already completed does nothing (null); a
 * missing conversation is unrecoverable; otherwise the conversation is marked running and a `started` event recorded.
 */
export async function beginStage(
  deps: { conversations: ConversationRepository; log: Logger },
  job: Job<StageJob>,
  stage: StageName,
): Promise<StageStart | null> {
  const { conversationId } = job.data;
  const attempt = job.attemptsMade + 1;
  const log = deps.log.child({ jobId: job.id, conversationId, stage, attempt });
  const s = STAGES[stage];
  if (await deps.conversations.stageDone(conversationId, stage, s.version)) {
    log.info('stage already completed; redelivered job does nothing');
    return null;
  }
  const conv = await deps.conversations.get(conversationId);
  if (!conv) throw new UnrecoverableError(`conversation ${conversationId} does not exist`);
  await deps.conversations.markRunning(conversationId, s.from, s.running);
  await deps.conversations.recordEvent(conversationId, stage, 'started', { attempt, jobId: job.id });
  return { conv, log, attempt };
}

/**
 * A stage that reads the conversation and writes its result with the stage row in one transaction (understand,
 * inspect): begin, time the work, complete with `save` writing the result, log the summary with the time taken.
 */
export async function runStage<R>(
  deps: { conversations: ConversationRepository; log: Logger },
  job: Job<StageJob>,
  stage: StageName,
  work: (conv: Conversation) => Promise<R>,
  save: (m: EntityManager, result: R) => Promise<Partial<Conversation>>,
  summarize: (result: R) => Record<string, unknown>,
): Promise<{ outcome: 'completed' | 'already_done'; result?: R }> {
  const started = await beginStage(deps, job, stage);
  if (!started) return { outcome: 'already_done' };
  const { conv, log, attempt } = started;
  const t0 = performance.now();
  const result = await work(conv);
  const ms = performance.now() - t0;
  const summary = { ...summarize(result), ms: Math.round(ms * 10) / 10 };
  const s = STAGES[stage];
  const outcome = await deps.conversations.completeStage(
    {
      conversationId: job.data.conversationId,
      stage,
      version: s.version,
      durationMs: ms,
      done: s.done,
      jobId: job.id,
      attempt,
    },
    (m) => save(m, result),
    summary,
  );
  log.info({ ...summary, outcome }, `${stage} finished`);
  return { outcome, result };
}
