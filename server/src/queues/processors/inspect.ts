import type { Job } from 'bullmq';
import { inspectConversation, InspectDeps } from '../../commands/inspect-conversation';
import type { Logger } from '../../lib/logger';
import type { StageJob } from '../stages';
import { runStage } from './begin-stage';

/**
 * inspect: every conversation, after it is protected, is checked against the active policy that applies to it. The
 * verdict (or `not_applicable` with the reason) is written with the stage result in one transaction: a conversation
 * is never `inspected` without a verdict.
 */
export async function processInspect(
  deps: InspectDeps & { log: Logger },
  job: Job<StageJob>,
): Promise<{ outcome: string; verdict?: string }> {
  const { outcome, result: verdict } = await runStage(
    deps,
    job,
    'inspect',
    (conv) => inspectConversation(deps, conv),
    async (m, v) => {
      await deps.inspections.saveVerdict(m, job.data.conversationId, v, 'pipeline');
      return {};
    },
    (v) => ({
      verdict: v.outcome,
      ...(v.reasonCode ? { reason: v.reasonCode } : {}),
      ...(v.policy ? { policy: `${v.policy.id}@v${v.policy.version}` } : {}),
      ...(v.score !== undefined ? { score: v.score, passed: v.passed, fatal: v.fatal } : {}),
    }),
  );
  return verdict ? { outcome, verdict: verdict.outcome } : { outcome };
}
