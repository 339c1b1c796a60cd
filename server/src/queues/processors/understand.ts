import type { Job } from 'bullmq';
import { saveUnderstanding, understandConversation, UnderstandDeps } from '../../commands/understand-conversation';
import type { Logger } from '../../lib/logger';
import { StageJob, STAGES } from '../stages';
import { beginStage } from './begin-stage';

/**
 * understand: after masking, before inspection. Intent (with confidence) for the conversation, sentiment per
 * utterance, the escalation signal and the models' hashes are written with the stage result in one transaction.
 */
export async function processUnderstand(deps: UnderstandDeps & { log: Logger }, job: Job<StageJob>): Promise<{ outcome: string; intent?: string }> {
  const { conversationId } = job.data;
  const stage = STAGES.understand;
  const started = await beginStage(deps, job, 'understand');
  if (!started) return { outcome: 'already_done' };
  const { conv, log, attempt } = started;
  const t0 = performance.now();
  const u = await understandConversation(deps, conv);
  const ms = performance.now() - t0;
  const counts = { negative: 0, neutral: 0, positive: 0 };
  for (const s of u.sentiments) counts[s.label]++;
  const summary = { intent: u.intent, confidence: u.intentConfidence, sentiment: counts, escalation: u.escalation.level, models: u.models, ms: Math.round(ms * 10) / 10 };
  const outcome = await deps.conversations.completeStage(
    { conversationId, stage: 'understand', version: stage.version, durationMs: ms, done: stage.done, jobId: job.id, attempt },
    (m) => saveUnderstanding(m, conversationId, u),
    summary,
  );
  log.info({ ...summary, outcome }, 'understand finished');
  return { outcome, intent: u.intent };
}
