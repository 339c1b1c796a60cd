import type { EntityManager } from 'typeorm';
import type { Conversation } from '../entities/conversation';
import { openUtterances } from '../protection/sealed-transcript';
import type { Vault } from '../protection/vault';
import type { ConversationRepository } from '../repositories/conversations';
import type { LanguageModels } from '../understanding/classifier';
import { escalation, intentCandidates, pickIntent, type Understanding } from '../understanding/understand';

export interface UnderstandDeps {
  conversations: ConversationRepository;
  vault: Vault;
  nlu: Pick<LanguageModels, 'intents' | 'sentiments' | 'ids'>;
}

/**
 * Reads the masked transcript (decrypted in memory only), runs intent over the customer's turns and sentiment over
 * every turn, in batches, and derives the escalation signal.
 */
export async function understandConversation(deps: UnderstandDeps, conv: Conversation): Promise<Understanding> {
  const rows = await deps.conversations.utterances(conv.id);
  const key = await deps.vault.open(conv.keyId);
  const opened = openUtterances(deps.vault, key, rows, 'masked').map((u) => ({
    seq: u.seq,
    speaker: u.speaker,
    text: u.text ?? '',
  }));
  const cands = intentCandidates(opened);
  const [intents, sentiments] = await Promise.all([
    deps.nlu.intents(cands.map((c) => c.text)),
    deps.nlu.sentiments(opened.map((u) => u.text)),
  ]);
  const picked = pickIntent(cands, intents);
  const perUtterance = opened.map((u, i) => ({ seq: u.seq, ...sentiments[i] }));
  return {
    intent: picked.intent,
    intentConfidence: picked.confidence,
    intentSeq: picked.seq,
    sentiments: perUtterance,
    escalation: escalation(opened, perUtterance),
    models: deps.nlu.ids,
  };
}

/** Writes the understanding (inside the stage's transaction): sentiment per utterance in one statement; the rest is the conversation's patch. */
export async function saveUnderstanding(
  m: EntityManager,
  conversationId: string,
  u: Understanding,
): Promise<Partial<Conversation>> {
  if (u.sentiments.length)
    await m.query(
      `UPDATE utterances t SET sentiment = v.label, sentiment_score = v.score
         FROM unnest($2::int[], $3::varchar[], $4::real[]) AS v(seq, label, score)
        WHERE t.conversation_id = $1 AND t.seq = v.seq`,
      [
        conversationId,
        u.sentiments.map((s) => s.seq),
        u.sentiments.map((s) => s.label),
        u.sentiments.map((s) => s.score),
      ],
    );
  return { intent: u.intent, intentConfidence: u.intentConfidence, escalation: u.escalation, nluModels: u.models };
}
