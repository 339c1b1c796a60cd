import type { BlindIndexer, IndexedColumn } from './blind-index';
import type { FieldContext } from './field-crypto';

/** What a recording's sealed audio is bound to: a copy moved to another conversation fails to open. */
export const audioContext = (conversationId: string): FieldContext => ({
  table: 'recordings',
  column: 'audio',
  rowId: conversationId,
});

/** What the unredacted upload is bound to (sealed under its own key until redaction destroys that key). */
export const originalAudioContext = (conversationId: string): FieldContext => ({
  table: 'recordings',
  column: 'original_audio',
  rowId: conversationId,
});

/** Blind-index rows for identifiers found in a transcript, one per (kind, digest). */
export function blindRows(
  blind: BlindIndexer,
  identifiers: Array<{ kind: IndexedColumn; value: string }>,
  subjectId: string | null,
) {
  const seen = new Set<string>();
  const out: Array<{ kind: string; digest: string; subjectId: string | null }> = [];
  for (const i of identifiers) {
    const digest = blind.index(i.kind, i.value);
    if (seen.has(`${i.kind}|${digest}`)) continue;
    seen.add(`${i.kind}|${digest}`);
    out.push({ kind: i.kind, digest, subjectId });
  }
  return out;
}
