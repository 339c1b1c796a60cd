import type { Conversation } from '../entities/conversation';
import { inspect, Verdict } from '../inspection/engine';
import type { Policy } from '../inspection/policy';
import { InspectionTranscript, toInspectUtterance } from '../inspection/transcript';
import { openUtterances } from '../protection/sealed-transcript';
import type { Vault } from '../protection/vault';
import type { ConversationRepository } from '../repositories/conversations';
import type { InspectionRepository } from '../repositories/inspections';

export interface InspectDeps {
  conversations: ConversationRepository;
  inspections: InspectionRepository;
  vault: Vault;
}

/** The masked transcript as inspection reads it (decrypted in memory only; originals are never opened). */
export async function inspectionTranscript(deps: InspectDeps, conv: Conversation): Promise<InspectionTranscript> {
  const rows = await deps.conversations.utterances(conv.id);
  const key = await deps.vault.open(conv.keyId);
  const opened = openUtterances(deps.vault, key, rows, 'masked');
  return {
    conversationId: conv.id,
    channel: conv.channel,
    queue: conv.queue,
    language: conv.language,
    durationMs: conv.durationMs ?? 0,
    intent: null,
    utterances: opened.map(toInspectUtterance),
  };
}

/** Inspects a conversation against the active policies (or the ones given, e.g. a draft under regression). */
export async function inspectConversation(deps: InspectDeps, conv: Conversation, policies?: Policy[]): Promise<Verdict> {
  const transcript = await inspectionTranscript(deps, conv);
  return inspect(policies ?? (await deps.inspections.activePolicies()), transcript, { asr: conv.asrEngine ?? `none (${conv.channel})` });
}
