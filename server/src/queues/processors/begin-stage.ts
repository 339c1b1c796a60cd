import { Job, UnrecoverableError } from 'bullmq';
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
export async function beginStage(deps: { conversations: ConversationRepository; log: Logger }, job: Job<StageJob>, stage: StageName): Promise<StageStart | null> {
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
