import type { Conversation } from '../entities/conversation';
import { DomainError } from '../lib/errors';
import { audioContext } from '../protection/contexts';
import { unsealRecording } from './recording-audio';
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
  /** the unredacted upload's own key, destroyed with the commit that points the recording at the redacted copy */
  originalKeyId: string | null;
}

/**
 * The PII spans the transcribe stage found (time spans only) are overwritten with silence in every channel and the
 * redacted audio is stored sealed. The caller points the recording at it and then deletes the original.
 */
export async function redactRecording(d: RedactDeps, conv: Conversation): Promise<RedactResult> {
  const rec = await d.conversations.recording(conv.id);
  if (!rec?.objectId) throw new DomainError('not_found', 'no_recording', `conversation ${conv.id} has no recording`);
  const spans = spansFromMarks(await d.conversations.piiMarks(conv.id));
  const original = await unsealRecording(d.vault, conv, rec, await d.objects.get(rec.objectId));
  const redacted = spans.length ? redactWav(original, spans) : original;
  const key = await d.vault.open(conv.keyId);
  const stored = await d.objects.put(d.vault.seal(key, audioContext(conv.id), redacted));
  return {
    spans: spans.length,
    stored,
    original: rec.objectId,
    originalKeyId: rec.redactedAt ? null : rec.originalKeyId,
  };
}
