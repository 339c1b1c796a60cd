import { UnderstandDeps, understandConversation } from '../../commands/understand-conversation';
import type { Understanding } from '../../understanding/understand';
import type { StageHandler } from '../stage-handler';

/**
 * understand: after masking, before inspection. Intent (with confidence) for the conversation, sentiment per
 * utterance, the escalation signal and the models' hashes, written with the stage in one transaction.
 */
export function understandStage(d: UnderstandDeps): StageHandler<'understand', Understanding> {
  return {
    stage: 'understand',
    concurrency: 2,
    run: ({ conv }) => understandConversation(d, conv),
    async save(tx, u, { conv }) {
      await d.conversations.saveSentiments(tx, conv.id, u.sentiments);
      if (u.readsOnly?.length) await d.conversations.saveReads(tx, conv.id, u.readsOnly);
      return { intent: u.intent, intentConfidence: u.intentConfidence, escalation: u.escalation, nluModels: u.models };
    },
    summary(u) {
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
  };
}
