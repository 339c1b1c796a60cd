import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { OpenKey, Vault } from '../repositories/vault';

/**
 * The keys of a conversation being created: a subject (and its key) when a customer reference came in, the
 * conversation's own data key wrapped by it, the unmasked transcript's key wrapped by that, the reference itself encrypted, and its blind-index row.
 */
export async function conversationKeys(
  vault: Vault,
  m: EntityManager,
  customerRef: string | null,
): Promise<{
  id: string;
  key: OpenKey;
  /** the unmasked transcript's own key (a child of `key`): retention of originals destroys it */
  originalTextKey: OpenKey;
  subjectId: string | null;
  /** the conversation row's key columns, to spread into it */
  columns: {
    id: string;
    keyId: string;
    originalTextKeyId: string;
    subjectId: string | null;
    customerRef: Buffer | null;
  };
  blindIndex: Array<{ kind: string; digest: string; subjectId: string | null }>;
}> {
  const id = crypto.randomUUID();
  // an erased subject refuses new data (SubjectErasedError, a conflict)
  const subject = customerRef ? await vault.subjectFor(m, customerRef) : undefined;
  const key = await vault.createKey(m, 'conversation', subject?.key);
  const originalTextKey = await vault.createKey(m, 'original_text', key);
  const subjectId = subject?.subject.id ?? null;
  return {
    id,
    key,
    originalTextKey,
    subjectId,
    columns: {
      id,
      keyId: key.id,
      originalTextKeyId: originalTextKey.id,
      subjectId,
      customerRef: customerRef
        ? vault.seal(key, { table: 'conversations', column: 'customer_ref', rowId: id }, customerRef)
        : null,
    },
    blindIndex: customerRef
      ? [{ kind: 'customer_ref', digest: vault.blind.index('customer_ref', customerRef), subjectId }]
      : [],
  };
}
