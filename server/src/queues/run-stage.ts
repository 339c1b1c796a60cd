import { Job, UnrecoverableError } from 'bullmq';
import { DomainError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { StageJob, STAGES } from '../pipeline/stages';
import type { ConversationRepository } from '../repositories/conversations';
import { AudioFormatError } from '../speech/audio/errors';
import type { StageHandler, StageOutcome } from './stage-handler';

export interface RunStageDeps {
  conversations: Pick<ConversationRepository, 'stageDone' | 'get' | 'markRunning' | 'recordEvent' | 'completeStage'>;
  log: Logger;
}

/**
 * Runs one delivery of a stage's job through the one stage contract (see StageHandler). A refusal that no retry
 * can change (a DomainError, an undecodable recording, a missing conversation) is unrecoverable; anything else is
 * thrown as it is and retried by BullMQ.
 */
export async function runStage<R>(
  deps: RunStageDeps,
  handler: StageHandler<StageJob['stage'], R>,
  job: Pick<Job<StageJob>, 'id' | 'data' | 'attemptsMade'>,
): Promise<{ outcome: StageOutcome; result?: R }> {
  const { conversationId } = job.data;
  const stage = handler.stage;
  const s = STAGES[stage];
  const attempt = job.attemptsMade + 1;
  const log = deps.log.child({ jobId: job.id, conversationId, stage, attempt });
  if (await deps.conversations.stageDone(conversationId, stage, s.version)) {
    log.info('stage already completed; redelivered job does nothing');
    return { outcome: 'already_done' };
  }
  const conv = await deps.conversations.get(conversationId);
  if (!conv) throw new UnrecoverableError(`conversation ${conversationId} does not exist`);
  await deps.conversations.markRunning(conversationId, s.from, s.running);
  await deps.conversations.recordEvent(conversationId, stage, 'started', { attempt, jobId: job.id });
  const ctx = { conv, log, attempt, jobId: job.id };
  const t0 = performance.now();
  let result: R;
  try {
    result = await handler.run(ctx);
  } catch (e) {
    if (e instanceof AudioFormatError) throw new UnrecoverableError(`audio: ${e.message}`);
    if (e instanceof DomainError) throw new UnrecoverableError(e.message);
    throw e;
  }
  const ms = handler.durationMs ? handler.durationMs(result) : performance.now() - t0;
  const summary = { ...handler.summary(result), ms: Math.round(ms * 10) / 10 };
  const outcome = await deps.conversations.completeStage(
    { conversationId, stage, version: s.version, durationMs: ms, done: s.done, jobId: job.id, attempt },
    (tx) => handler.save(tx, result, ctx),
    summary,
  );
  await handler.afterCommit?.(result, outcome, ctx);
  log.info({ ...summary, outcome }, `${stage} finished`);
  return { outcome, result };
}
