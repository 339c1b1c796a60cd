import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { IndexedColumn } from '../protection/blind-index';
import { OpenKey, SubjectErasedError, Vault } from '../protection/vault';
import { HttpError } from '../lib/errors';

/**
 * The keys of a conversation being created: a subject (and its key) when a customer reference came in, the
 * conversation's own data key wrapped by it, the reference itself encrypted, and its blind-index row.
 */
export async function conversationKeys(
  vault: Vault,
  m: EntityManager,
  customerRef: string | null,
): Promise<{
  id: string;
  key: OpenKey;
  subjectId: string | null;
  /** the conversation row's key columns, to spread into it */
  columns: { id: string; keyId: string; subjectId: string | null; customerRef: Buffer | null };
  blindIndex: Array<{ kind: string; digest: string; subjectId: string | null }>;
}> {
  const id = crypto.randomUUID();
  let subject: Awaited<ReturnType<Vault['subjectFor']>> | undefined;
  try {
    subject = customerRef ? await vault.subjectFor(m, customerRef) : undefined;
  } catch (e) {
    if (e instanceof SubjectErasedError) throw new HttpError(409, 'subject_erased', e.message);
    throw e;
  }
  const key = await vault.createKey(m, 'conversation', subject?.key);
  const subjectId = subject?.subject.id ?? null;
  return {
    id,
    key,
    subjectId,
    columns: {
      id,
      keyId: key.id,
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

export function blindRows(
  vault: Vault,
  identifiers: Array<{ kind: IndexedColumn; value: string }>,
  subjectId: string | null,
) {
  const seen = new Set<string>();
  const out: Array<{ kind: string; digest: string; subjectId: string | null }> = [];
  for (const i of identifiers) {
    const digest = vault.blind.index(i.kind, i.value);
    if (seen.has(`${i.kind}|${digest}`)) continue;
    seen.add(`${i.kind}|${digest}`);
    out.push({ kind: i.kind, digest, subjectId });
  }
  return out;
}

export const audioContext = (conversationId: string) => ({
  table: 'recordings',
  column: 'audio',
  rowId: conversationId,
});
