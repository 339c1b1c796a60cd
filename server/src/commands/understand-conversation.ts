import type { Conversation } from '../entities/conversation';
import type { Vault } from '../repositories/vault';
import type { ConversationRepository } from '../repositories/conversations';
import { openMaskedTranscript } from './transcript';
import type { LanguageModels } from '../understanding/classifier';
import { UNKNOWN_INTENT } from '../understanding/metrics';
import { readsByTurn, readTurns } from '../understanding/read-turns';
import { escalation, type Understanding } from '../understanding/understand';
import { TONE_SIGNAL } from '../understanding/tone';

export interface UnderstandDeps {
  conversations: ConversationRepository;
  vault: Vault;
  nlu: Pick<LanguageModels, 'intents' | 'sentiments' | 'agentConduct' | 'agentReads' | 'ids'>;
}

/**
 * Reads the masked transcript (decrypted in memory only), runs intent over the customer's turns, sentiment over
 * every turn and conduct over the agent's, in batches, and derives the escalation signal.
 */
export async function understandConversation(deps: UnderstandDeps, conv: Conversation): Promise<Understanding> {
  // the intent and sentiment models are English: another language's conversation is not guessed at (its QA rules
  // that need them are not evaluated), and the verdict says which models it had; the reply models for its language
  // (refusal-zh for Mandarin) still read the agent's replies (the transcript is opened only where something reads it)
  const lang = conv.language.slice(0, 2);
  const open = async () =>
    (await openMaskedTranscript(deps, conv)).map((u) => ({ seq: u.seq, speaker: u.speaker, text: u.text ?? '' }));
  if (lang !== 'en') {
    const opened = lang === 'zh' ? await open() : [];
    const reads = readsByTurn(opened, opened.length ? await deps.nlu.agentReads(opened) : []);
    return {
      intent: UNKNOWN_INTENT,
      intentConfidence: 0,
      intentSeq: null,
      sentiments: [],
      readsOnly: opened.flatMap((u, i) => (reads[i].length ? [{ seq: u.seq, reads: reads[i] }] : [])),
      escalation: { level: 'none', score: 0, reasons: [`no intent or sentiment model for language ${conv.language}`] },
      models: {
        ...deps.nlu.ids,
        tone: TONE_SIGNAL,
        applied: lang === 'zh' ? 'refusal (language zh)' : `none (language ${conv.language})`,
      },
    };
  }
  const opened = await open();
  const { picked, toned, reads } = await readTurns(deps.nlu, opened);
  const perUtterance = opened.map((u, i) => ({
    seq: u.seq,
    ...toned[i],
    ...(reads[i].length ? { reads: reads[i] } : {}),
  }));
  return {
    intent: picked.intent,
    intentConfidence: picked.confidence,
    intentSeq: picked.seq,
    sentiments: perUtterance,
    escalation: escalation(opened, perUtterance),
    models: { ...deps.nlu.ids, tone: TONE_SIGNAL },
  };
}
