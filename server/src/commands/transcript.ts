import type { Conversation } from '../entities/conversation';
import { OpenedUtterance, openUtterances } from '../protection/sealed-transcript';
import type { ConversationRepository } from '../repositories/conversations';
import { KeyDestroyedError, OpenKey, Vault } from '../repositories/vault';

export interface TranscriptDeps {
  conversations: Pick<ConversationRepository, 'utterances'>;
  vault: Vault;
}

/** The conversation's data key, or null when it was destroyed (erasure, retention). */
export async function openKeyOrGone(vault: Vault, keyId: string): Promise<OpenKey | null> {
  try {
    return await vault.open(keyId);
  } catch (e) {
    if (e instanceof KeyDestroyedError) return null;
    throw e;
  }
}

/**
 * The masked transcript, decrypted in memory only (originals are never opened here): what the understand and inspect
 * stages read and what ordinary views show. A destroyed key is an error (KeyDestroyedError).
 */
export async function openMaskedTranscript(d: TranscriptDeps, conv: Conversation): Promise<OpenedUtterance[]> {
  const [rows, key] = await Promise.all([d.conversations.utterances(conv.id), d.vault.open(conv.keyId)]);
  return openUtterances(d.vault, key, rows, 'masked');
}

/** As openMaskedTranscript, for views: an erased conversation has no transcript left (empty). */
export async function openMaskedTranscriptIfKept(d: TranscriptDeps, conv: Conversation): Promise<OpenedUtterance[]> {
  const [rows, key] = await Promise.all([d.conversations.utterances(conv.id), openKeyOrGone(d.vault, conv.keyId)]);
  return key ? openUtterances(d.vault, key, rows, 'masked') : [];
}
