import type { KeyphraseTiming, PiiMark, WordTiming } from '../entities/utterance';
import type { IndexedColumn } from './blind-index';
import { detectPii, PiiFinding, PiiType } from './pii/detect';
import { MaskingPolicy, maskText, REDACTED } from './pii/mask';

/** Sensitive authentication data: kept in no form at all, not even in the encrypted original (PCI DSS 3.3.1). */
export const SAD_TYPES: ReadonlySet<string> = new Set(['cvv', 'pin', 'otp']);

/** What a detector found that is worth a blind-index row (exact lookups by identifier). */
const INDEXED: Partial<Record<PiiType, IndexedColumn>> = {
  phone: 'phone',
  cn_resident_id: 'cn_resident_id',
  bank_account: 'bank_account',
  email: 'email',
  iban: 'bank_account',
};

export interface PlainUtterance {
  speaker: string;
  startMs: number;
  endMs: number;
  text: string;
  /** word timings on the conversation clock (calls); empty for text channels */
  words: WordTiming[];
  keyphrases: KeyphraseTiming[];
  confidence: number | null;
}

export interface ProtectedUtterance {
  speaker: string;
  startMs: number;
  endMs: number;
  confidence: number | null;
  keyphrases: KeyphraseTiming[];
  wordCount: number;
  /** for ordinary views */
  masked: { text: string; words: WordTiming[] };
  /** for unmask with a reason: sensitive authentication data already removed */
  original: { text: string; words: WordTiming[] };
  pii: PiiMark[];
}

export interface ProtectedTranscript {
  utterances: ProtectedUtterance[];
  /** identifiers for blind-index rows (values stay in memory; only their keyed digests are stored) */
  identifiers: Array<{ kind: IndexedColumn; value: string }>;
  counts: Partial<Record<PiiType, number>>;
}

interface Piece {
  u: number;
  f: PiiFinding;
  /** first piece of a finding that runs across utterances */
  first: boolean;
}

/**
 * Finds personal data in a whole conversation and produces, per utterance, the masked copy, the original without
 * sensitive authentication data, and where the data was (types and spans, never values). Detection runs over each
 * speaker's utterances joined in order, so a card number read out over two utterances is still one card number.
 */
export function protectTranscript(utterances: PlainUtterance[], policy: MaskingPolicy): ProtectedTranscript {
  const pieces: Piece[] = [];
  const identifiers: ProtectedTranscript['identifiers'] = [];
  const counts: ProtectedTranscript['counts'] = {};
  const bySpeaker = new Map<string, number[]>();
  utterances.forEach((u, i) => bySpeaker.set(u.speaker, [...(bySpeaker.get(u.speaker) ?? []), i]));
  for (const idx of bySpeaker.values()) {
    const offsets: number[] = [];
    let joined = '';
    for (const i of idx) {
      offsets.push(joined.length);
      joined += utterances[i].text + '\n';
    }
    for (const f of detectPii(joined)) {
      counts[f.type] = (counts[f.type] ?? 0) + 1;
      const kind = INDEXED[f.type];
      if (kind) identifiers.push({ kind, value: f.value });
      let first = true;
      idx.forEach((ui, k) => {
        const a = offsets[k];
        const b = a + utterances[ui].text.length;
        if (f.start < b && f.end > a) {
          pieces.push({ u: ui, f: { ...f, start: Math.max(f.start, a) - a, end: Math.min(f.end, b) - a }, first });
          first = false;
        }
      });
    }
  }

  const out = utterances.map((u, i): ProtectedUtterance => {
    const mine = pieces.filter((p) => p.u === i).sort((x, y) => x.f.start - y.f.start);
    // continuation pieces of a finding are masked on their own, with no digits kept
    const findings = mine.map((p) =>
      p.first || SAD_TYPES.has(p.f.type)
        ? p.f
        : { ...p.f, value: p.f.value.replace(/[^@.]/g, '*').slice(0, p.f.end - p.f.start) },
    );
    const masked = maskText(u.text, policy, findings).masked;
    const sad = findings.filter((f) => SAD_TYPES.has(f.type));
    const original = sad.length ? maskText(u.text, policy, sad).masked : u.text;
    const wordSpans = u.words.length ? wordRanges(u) : [];
    const overlaps = (k: number, f: PiiFinding) =>
      !!wordSpans[k] && wordSpans[k][0] < f.end && wordSpans[k][1] > f.start;
    const covered = (k: number, fs: PiiFinding[]) => fs.find((f) => overlaps(k, f));
    const maskWords = (fs: PiiFinding[]) =>
      u.words.map((w, k) => {
        const f = covered(k, fs);
        return f ? { ...w, w: SAD_TYPES.has(f.type) ? REDACTED : `[${f.type}]` } : w;
      });
    const pii: PiiMark[] = [];
    for (const f of findings) {
      const ws = u.words.filter((_, k) => overlaps(k, f));
      const mark: PiiMark = { type: f.type, start: f.start, end: f.end };
      if (ws.length) {
        mark.s = ws[0].s;
        mark.e = ws[ws.length - 1].e;
      }
      pii.push(mark);
    }
    return {
      speaker: u.speaker,
      startMs: u.startMs,
      endMs: u.endMs,
      confidence: u.confidence,
      keyphrases: u.keyphrases,
      wordCount: u.words.length || (u.text.match(/\S+/g) ?? []).length,
      masked: { text: masked, words: maskWords(findings) },
      original: { text: original, words: sad.length ? maskWords(sad) : u.words },
      pii,
    };
  });
  return { utterances: out, identifiers, counts };
}

/** Character range of each word in the utterance text (ASR text is the words joined by single spaces). */
function wordRanges(u: PlainUtterance): Array<[number, number] | undefined> {
  const out: Array<[number, number] | undefined> = [];
  let pos = 0;
  for (const w of u.words) {
    const at = u.text.indexOf(w.w, pos);
    if (at < 0) {
      out.push(undefined);
      continue;
    }
    out.push([at, at + w.w.length]);
    pos = at + w.w.length;
  }
  return out;
}
