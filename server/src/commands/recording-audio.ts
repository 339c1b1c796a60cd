import type { Conversation } from '../entities/conversation';
import type { Recording } from '../entities/recording';
import { audioContext, originalAudioContext } from '../protection/contexts';
import type { Vault } from '../repositories/vault';

/**
 * The stored audio of a recording, decrypted: before redaction the unredacted upload under its own key, after it the
 * redacted copy under the conversation's key (recordings stored before the upload had a key of its own: the
 * conversation's key throughout).
 */
export async function unsealRecording(
  vault: Vault,
  conv: Pick<Conversation, 'id' | 'keyId'>,
  rec: Pick<Recording, 'redactedAt' | 'originalKeyId'>,
  sealed: Buffer,
): Promise<Buffer> {
  if (!rec.redactedAt && rec.originalKeyId)
    return vault.unseal(await vault.open(rec.originalKeyId), originalAudioContext(conv.id), sealed);
  return vault.unseal(await vault.open(conv.keyId), audioContext(conv.id), sealed);
}
