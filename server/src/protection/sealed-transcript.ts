import crypto from 'node:crypto';
import type { Utterance, WordTiming } from '../entities/utterance';
import type { ProtectedUtterance } from './protect-transcript';
import type { FieldContext } from './field-crypto';

/** A data key opened for one request or job. */
export interface OpenKey {
  id: string;
  bytes: Buffer;
}

/** What seals and opens field values under an open data key (the vault). */
export interface Sealer {
  seal(key: OpenKey, ctx: FieldContext, plaintext: Buffer | string): Buffer;
  unsealText(key: OpenKey, ctx: FieldContext, value: Buffer): string;
}

export type SealedUtterance = Omit<
  Utterance,
  'conversationId' | 'seq' | 'sentiment' | 'sentimentScore' | 'toneCue' | 'reads'
>;

/**
 * Seals each protected utterance's masked copy under the conversation's data key and its original under the
 * originals' key (conversations from before that key existed: the conversation's), each bound to its row id.
 */
export function sealUtterances(
  vault: Sealer,
  key: OpenKey,
  us: ProtectedUtterance[],
  originalKey: OpenKey = key,
): SealedUtterance[] {
  return us.map((u) => {
    const id = crypto.randomUUID();
    const ctx = (column: string) => ({ table: 'utterances', column, rowId: id });
    return {
      id,
      speaker: u.speaker as Utterance['speaker'],
      startMs: u.startMs,
      endMs: u.endMs,
      confidence: u.confidence,
      keyphrases: u.keyphrases,
      wordCount: u.wordCount,
      pii: u.pii,
      text: vault.seal(key, ctx('text'), u.masked.text),
      words: vault.seal(key, ctx('words'), JSON.stringify(u.masked.words)),
      textOriginal: vault.seal(originalKey, ctx('text_original'), u.original.text),
      wordsOriginal: vault.seal(originalKey, ctx('words_original'), JSON.stringify(u.original.words)),
      originalPurgedAt: null,
    };
  });
}

export interface OpenedUtterance {
  id: string;
  seq: number;
  speaker: Utterance['speaker'];
  startMs: number;
  endMs: number;
  confidence: number | null;
  text: string;
  words: WordTiming[];
  keyphrases: Utterance['keyphrases'];
  pii: Utterance['pii'];
  sentiment: Utterance['sentiment'];
  sentimentScore: number | null;
  /** why the tone signal read it negative, where the agent's words decided ('attitude') */
  toneCue?: Utterance['toneCue'];
  /** what the reply models read an agent's reply as ('promise', 'political'), comma-joined */
  reads?: Utterance['reads'];
}

/**
 * Decrypts utterances for a view: `masked` (ordinary views) or `original` (unmask, after the audit event is written).
 * An original removed by retention comes back as null.
 */
export function openUtterances(
  vault: Sealer,
  key: OpenKey,
  rows: Utterance[],
  which: 'masked' | 'original',
): Array<OpenedUtterance & { purged: boolean }> {
  return rows.map((u) => {
    const [tc, wc] = which === 'masked' ? (['text', 'words'] as const) : (['text_original', 'words_original'] as const);
    const tv = which === 'masked' ? u.text : u.textOriginal;
    const wv = which === 'masked' ? u.words : u.wordsOriginal;
    const ctx = (column: string) => ({ table: 'utterances', column, rowId: u.id });
    return {
      id: u.id,
      seq: u.seq,
      speaker: u.speaker,
      startMs: u.startMs,
      endMs: u.endMs,
      confidence: u.confidence,
      keyphrases: u.keyphrases,
      pii: u.pii,
      sentiment: u.sentiment ?? null,
      sentimentScore: u.sentimentScore ?? null,
      toneCue: u.toneCue ?? null,
      reads: u.reads ?? null,
      text: tv ? vault.unsealText(key, ctx(tc), tv) : '',
      words: wv ? (JSON.parse(vault.unsealText(key, ctx(wc), wv)) as WordTiming[]) : [],
      purged: !tv,
    };
  });
}
