import type { Conversation } from '../entities/conversation';
import { inspect, Verdict } from '../inspection/engine';
import type { Policy } from '../inspection/qa-policy';
import type { PolicyRouting } from '../inspection/routing';
import { InspectionTranscript, toInspectUtterance } from '../inspection/transcript';
import type { OpenedUtterance } from '../protection/sealed-transcript';
import { openMaskedTranscript } from './transcript';
import type { Vault } from '../repositories/vault';
import type { ConversationRepository } from '../repositories/conversations';
import type { InspectionRepository } from '../repositories/inspections';

export interface InspectDeps {
  conversations: ConversationRepository;
  inspections: InspectionRepository;
  vault: Vault;
  /** which pack inspects which conversation, as the deployment decides (policies/routing.yaml) */
  routing?: PolicyRouting;
}

function inspectionSentiment(r: Pick<OpenedUtterance, 'sentiment' | 'sentimentScore'>): number | null {
  if (!r.sentiment || r.sentimentScore === null) return null;
  return r.sentiment === 'neutral' ? 0 : r.sentimentScore;
}

/** The masked transcript as inspection reads it (decrypted in memory only; originals are never opened). */
export async function inspectionTranscript(deps: InspectDeps, conv: Conversation): Promise<InspectionTranscript> {
  const opened = await openMaskedTranscript(deps, conv);
  return {
    conversationId: conv.id,
    channel: conv.channel,
    queue: conv.queue,
    teamId: conv.teamId,
    language: conv.language,
    durationMs: conv.durationMs ?? 0,
    intent: conv.intent,
    // a neutral turn counts as 0, so "negative" in a policy means what the sentiment model calls negative
    utterances: opened.map((u) => ({
      ...toInspectUtterance(u),
      sentiment: inspectionSentiment(u),
      attitude: u.toneCue === 'attitude',
      ...(u.reads ? { readAs: u.reads.split(',') } : {}),
    })),
  };
}

/** Inspects a conversation against the active policies (or the ones given, e.g. a draft under regression). */
export async function inspectConversation(
  deps: InspectDeps,
  conv: Conversation,
  policies?: Policy[],
): Promise<Verdict> {
  const transcript = await inspectionTranscript(deps, conv);
  return inspect(
    policies ?? (await deps.inspections.activePolicies()),
    transcript,
    {
      asr: conv.asrEngine ?? `none (${conv.channel})`,
      ...(conv.nluModels ?? {}),
    },
    undefined,
    deps.routing,
  );
}
