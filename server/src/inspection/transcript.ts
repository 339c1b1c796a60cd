import type { KeyphraseTiming, PiiMark, WordTiming } from '../entities/utterance';
import crypto from 'node:crypto';
import { pinyin } from 'pinyin-pro';

/**
 * What inspection reads: the masked transcript only (personal data appears as `[type]` tokens or masked digits),
 * with speakers, times and where personal data was. Tokens come from the recognised words of a call (they carry
 * times) or from the text of a chat message.
 */
export interface InspectUtterance {
  id: string;
  seq: number;
  speaker: 'agent' | 'customer' | 'unknown';
  startMs: number;
  endMs: number;
  tokens: string[];
  /** [start, end] ms per token, for calls */
  times: Array<[number, number]> | null;
  pii: PiiMark[];
  /** policy phrases the speech engine spotted acoustically in this utterance (keyphrase search): a second signal */
  keyphrases?: Array<{ p: string; s: number; e: number }>;
  /** -1 … 1 from the understanding stage, when it has run */
  sentiment?: number | null;
  /** the tone signal read the agent's words as attitude (blame, a brush-off, impatience, talking down, a bald refusal) */
  attitude?: boolean;
  /** what the reply models read the agent's reply as ('promise', 'political'): a phrase set's `read_as` takes it */
  readAs?: string[];
  /**
   * a typed message of more than one sentence: the token at which each sentence after the first starts (a call's
   * words carry no punctuation, and a segment is one sentence)
   */
  sentenceStarts?: number[];
  /**
   * a typed message with Chinese: the character each token was read from ('' for one that was not a character), so a
   * keyword written in characters matches the characters and not only their sound (a call's pinyin has none)
   */
  han?: string[];
}

export interface InspectionTranscript {
  conversationId: string;
  channel: string;
  queue: string | null;
  /** for routing (policies/routing.yaml) */
  teamId?: string | null;
  language: string;
  durationMs: number;
  /** from the understanding stage, when it has run */
  intent?: string | null;
  utterances: InspectUtterance[];
}

const HAN = /\p{Script=Han}+/gu;
const NON_ASCII = /[^ -~\s]/;

/**
 * Lower case, split at white space, outer punctuation dropped; `[card_number]` and `4111******1111` stay whole.
 * Chinese is matched through its pinyin: a run of characters becomes its syllables (pinyin-pro, without tones), and
 * tone marks are dropped from every token, so a policy phrase written in characters (这通电话会被录音) matches what the
 * Mandarin recogniser wrote in pinyin ("zhè tōng diàn huà …") and what a chat customer typed.
 */
export function tokenize(text: string): string[] {
  return tokenizeHan(text).tokens;
}

const TOKEN_EDGES = /^[^\p{L}\p{N}[*]+|[^\p{L}\p{N}\]*]+$/gu;
const MARKS = /\p{M}/gu;

/**
 * `tokenize`, and for each token the Chinese character it was read from ('' for a token that was not one: a word, a
 * number, pinyin the recogniser wrote). A keyword written in characters then matches a typed message's characters, not
 * only their sound: "记下车牌" holds the syllables of 瞎扯 (xia che) and not the word.
 */
export function tokenizeHan(text: string): { tokens: string[]; han: string[] } {
  const tokens: string[] = [];
  const han: string[] = [];
  const words = (piece: string, chars?: string[]) => {
    const ks: string[] = [];
    for (const raw of piece.split(/\s+/)) {
      const tok = raw.replace(TOKEN_EDGES, '');
      if (tok) ks.push(tok);
    }
    tokens.push(...ks);
    // a run's syllables map to its characters one to one, or (should a character read as none or two) to none
    han.push(...(chars && chars.length === ks.length ? chars : ks.map(() => '')));
  };
  // a phone's typographic apostrophe is the same word ("you’ll", "that’s" as iOS and Android keyboards write them)
  const t = text.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'");
  if (!NON_ASCII.test(t)) {
    words(t);
    return { tokens, han };
  }
  let at = 0;
  for (const m of t.matchAll(HAN)) {
    words(t.slice(at, m.index).normalize('NFD').replace(MARKS, ''));
    const syllables = pinyin(m[0], { toneType: 'none', type: 'array' }) as string[];
    const chars = [...m[0]];
    words(
      syllables.join(' ').normalize('NFD').replace(MARKS, ''),
      syllables.length === chars.length ? chars : undefined,
    );
    at = m.index + m[0].length;
  }
  words(t.slice(at).normalize('NFD').replace(MARKS, ''));
  return { tokens, han };
}

/** From decrypted masked utterances (openUtterances) to what the rules read. */
export function toInspectUtterance(u: {
  id: string;
  seq: number;
  speaker: string;
  startMs: number;
  endMs: number;
  text: string | null;
  words: WordTiming[] | null;
  pii: PiiMark[];
  keyphrases?: KeyphraseTiming[];
}): InspectUtterance {
  const words = u.words ?? [];
  const speaker = u.speaker === 'agent' || u.speaker === 'customer' ? u.speaker : 'unknown';
  const keyphrases = u.keyphrases?.length ? { keyphrases: u.keyphrases.map((k) => ({ p: k.p, s: k.s, e: k.e })) } : {};
  if (words.length) {
    const tokens: string[] = [];
    const times: Array<[number, number]> = [];
    for (const w of words) {
      for (const t of tokenize(w.w)) {
        tokens.push(t);
        times.push([w.s, w.e]);
      }
    }
    return {
      id: u.id,
      seq: u.seq,
      speaker,
      startMs: u.startMs,
      endMs: u.endMs,
      tokens,
      times,
      pii: u.pii,
      ...keyphrases,
    };
  }
  const { tokens, sentenceStarts, han } = sentencesOf(u.text ?? '');
  return {
    id: u.id,
    seq: u.seq,
    speaker,
    startMs: u.startMs,
    endMs: u.endMs,
    tokens,
    times: null,
    pii: u.pii,
    ...(sentenceStarts.length ? { sentenceStarts } : {}),
    ...(han.some(Boolean) ? { han } : {}),
  };
}

/**
 * a sentence ends at . ! ? before a space, or at a Chinese full stop, exclamation or question mark after a character
 * or before one, a space or the end: always where `tokenize` splits the whole message too ("abc。def" is one token)
 */
const SENTENCE_END = /(?<=[.!?])\s+|(?<=\p{Script=Han}[。！？])|(?<=[。！？])(?=[\s\p{Script=Han}]|$)/u;

/**
 * A typed message's tokens, read sentence by sentence (the same tokens as the whole message's), and where each
 * sentence after the first starts ([] when it is one sentence).
 */
function sentencesOf(text: string): { tokens: string[]; sentenceStarts: number[]; han: string[] } {
  const tokens: string[] = [];
  const sentenceStarts: number[] = [];
  const han: string[] = [];
  for (const piece of text.split(SENTENCE_END)) {
    const k = tokenizeHan(piece);
    if (!k.tokens.length) continue;
    if (tokens.length) sentenceStarts.push(tokens.length);
    tokens.push(...k.tokens);
    han.push(...k.han);
  }
  return { tokens, sentenceStarts, han };
}

/** the sentence of an utterance a token is in (0 for the first, or for a call's segment) */
export const sentenceAt = (u: Pick<InspectUtterance, 'sentenceStarts'>, token: number): number =>
  (u.sentenceStarts ?? []).filter((s) => s <= token).length;

/** the tokens of the sentence a token is in, joined by spaces */
export function sentenceTokens(u: Pick<InspectUtterance, 'sentenceStarts' | 'tokens'>, token: number): string {
  const starts = [0, ...(u.sentenceStarts ?? []), u.tokens.length];
  const k = sentenceAt(u, token);
  return u.tokens.slice(starts[k], starts[k + 1]).join(' ');
}

/**
 * sha256 over everything a verdict depends on in the transcript: the same transcript always hashes the same. Text
 * goes in with unit separators, word times as raw 32-bit integers, so hashing stays a small part of inspecting.
 */
export function transcriptHash(t: InspectionTranscript): string {
  let text = `transcript/1\x1f${t.channel}\x1f${t.queue ?? ''}\x1f${t.language}\x1f${t.durationMs}\x1f${t.intent ?? ''}\x1e`;
  let n = 0;
  for (const u of t.utterances) n += u.times ? u.times.length : 0;
  const times = new Int32Array(n * 2);
  let k = 0;
  for (const u of t.utterances) {
    text += `${u.id}\x1f${u.seq}\x1f${u.speaker}\x1f${u.startMs}\x1f${u.endMs}\x1f${u.sentiment ?? ''}\x1f${u.times ? u.times.length : -1}\x1f${u.tokens.join('\x1f')}\x1e`;
    if (u.pii.length) text += JSON.stringify(u.pii.map((m) => [m.type, m.start, m.end, m.s ?? null, m.e ?? null]));
    if (u.keyphrases?.length) text += JSON.stringify(u.keyphrases.map((x) => [x.p, x.s, x.e]));
    // (only where set: a transcript without it hashes as before)
    if (u.attitude) text += '\x1fattitude';
    if (u.readAs?.length) text += `\x1fread:${u.readAs.join(',')}`;
    if (u.sentenceStarts?.length) text += `\x1fsentences:${u.sentenceStarts.join(',')}`;
    if (u.han?.length) text += `\x1fhan:${u.han.join(',')}`;
    text += '\x1d';
    if (u.times) {
      for (const [a, b] of u.times) {
        times[k++] = a;
        times[k++] = b;
      }
    }
  }
  return crypto.createHash('sha256').update(text).update(new Uint8Array(times.buffer)).digest('hex');
}
