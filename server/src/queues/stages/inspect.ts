import { InspectDeps, inspectConversation } from '../../commands/inspect-conversation';
import type { Verdict } from '../../inspection/engine';
import type { StageHandler } from '../stage-handler';

/**
 * inspect: every conversation, once protected and understood, is checked against the active policy that applies.
 * The verdict (or `not_applicable` with the reason) is written with the stage in one transaction: a conversation is
 * never `inspected` without a verdict.
 */
export function inspectStage(d: InspectDeps): StageHandler<'inspect', Verdict> {
  return {
    stage: 'inspect',
    concurrency: 4,
    run: ({ conv }) => inspectConversation(d, conv),
    async save(tx, v, { conv }) {
      await d.inspections.saveVerdict(tx, conv.id, v, 'pipeline');
      return {};
    },
    summary: (v) => ({
      verdict: v.outcome,
      ...(v.reasonCode ? { reason: v.reasonCode } : {}),
      ...(v.policy ? { policy: `${v.policy.id}@v${v.policy.version}` } : {}),
      ...(v.score !== undefined ? { score: v.score, passed: v.passed, fatal: v.fatal } : {}),
    }),
  };
}
