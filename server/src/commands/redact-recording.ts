import type { Conversation } from '../entities/conversation';
import { DomainError } from '../lib/errors';
import { audioContext } from '../protection/contexts';
import { redactWav, spansFromMarks } from '../protection/redact-audio';
import type { ConversationRepository } from '../repositories/conversations';
import type { ObjectStore } from '../repositories/object-store';
import type { Vault } from '../repositories/vault';

export interface RedactDeps {
  conversations: ConversationRepository;
  objects: ObjectStore;
  vault: Vault;
}

export interface RedactResult {
  spans: number;
  /** the sealed redacted copy, and the object it replaces */
  stored: { sha256: string; created: boolean };
  original: string;
}

/**
 * The PII spans the transcribe stage found (time spans only) are overwritten with silence in every channel and the
 * redacted audio is stored sealed. The caller points the recording at it and then deletes the original.
 */
export async function redactRecording(d: RedactDeps, conv: Conversation): Promise<RedactResult> {
  const rec = await d.conversations.recording(conv.id);
  if (!rec?.objectId) throw new DomainError('not_found', 'no_recording', `conversation ${conv.id} has no recording`);
  const spans = spansFromMarks(await d.conversations.piiMarks(conv.id));
  const key = await d.vault.open(conv.keyId);
  const ctx = audioContext(conv.id);
  const original = d.vault.unseal(key, ctx, await d.objects.get(rec.objectId));
  const redacted = spans.length ? redactWav(original, spans) : original;
  const stored = await d.objects.put(d.vault.seal(key, ctx, redacted));
  return { spans: spans.length, stored, original: rec.objectId };
}
