import type { Job } from 'bullmq';
import { inspectConversation, InspectDeps } from '../../commands/inspect-conversation';
import type { Logger } from '../../lib/logger';
import { StageJob, STAGES } from '../stages';
import { beginStage } from './begin-stage';

/**
 * inspect: every conversation, after it is protected, is checked against the active policy that applies to it. The
 * verdict (or `not_applicable` with the reason) is written with the stage result in one transaction: a conversation
 * is never `inspected` without a verdict.
 */
export async function processInspect(deps: InspectDeps & { log: Logger }, job: Job<StageJob>): Promise<{ outcome: string; verdict?: string }> {
  const { conversationId } = job.data;
  const stage = STAGES.inspect;
  const started = await beginStage(deps, job, 'inspect');
  if (!started) return { outcome: 'already_done' };
  const { conv, log, attempt } = started;
  const t0 = performance.now();
  const verdict = await inspectConversation(deps, conv);
  const ms = performance.now() - t0;
  const summary = {
    verdict: verdict.outcome,
    ...(verdict.reasonCode ? { reason: verdict.reasonCode } : {}),
    ...(verdict.policy ? { policy: `${verdict.policy.id}@v${verdict.policy.version}` } : {}),
    ...(verdict.score !== undefined ? { score: verdict.score, passed: verdict.passed, fatal: verdict.fatal } : {}),
    ms: Math.round(ms * 10) / 10,
  };
  const outcome = await deps.conversations.completeStage(
    { conversationId, stage: 'inspect', version: stage.version, durationMs: ms, done: stage.done, jobId: job.id, attempt },
    async (m) => {
      await deps.inspections.saveVerdict(m, conversationId, verdict, 'pipeline');
      return {};
    },
    summary,
  );
  log.info({ ...summary, outcome }, 'inspect finished');
  return { outcome, verdict: verdict.outcome };
}
