import type { Job } from 'bullmq';
import { saveUnderstanding, understandConversation, UnderstandDeps } from '../../commands/understand-conversation';
import type { Logger } from '../../lib/logger';
import type { StageJob } from '../stages';
import { runStage } from './begin-stage';

/**
 * understand: after masking, before inspection. Intent (with confidence) for the conversation, sentiment per
 * utterance, the escalation signal and the models' hashes are written with the stage result in one transaction.
 */
export async function processUnderstand(
  deps: UnderstandDeps & { log: Logger },
  job: Job<StageJob>,
): Promise<{ outcome: string; intent?: string }> {
  const { outcome, result } = await runStage(
    deps,
    job,
    'understand',
    (conv) => understandConversation(deps, conv),
    (m, u) => saveUnderstanding(m, job.data.conversationId, u),
    (u) => {
      const counts = { negative: 0, neutral: 0, positive: 0 };
      for (const s of u.sentiments) counts[s.label]++;
      return {
        intent: u.intent,
        confidence: u.intentConfidence,
        sentiment: counts,
        escalation: u.escalation.level,
        models: u.models,
      };
    },
  );
  return result ? { outcome, intent: result.intent } : { outcome };
}
