import { tokenize } from './transcript';

/**
 * Similarity between a policy's example sentence and a stretch of transcript, for script adherence.
 *
 * Method (lexical-phonetic, version 1): every example word is aligned with its best counterpart in a window of the
 * utterance (the example's length plus three words, so fillers and small insertions do not matter, and word order
 * is free inside the window). Two words are similar when they are equal (1.0), sound alike by a phonetic key
 * (0.85: "recorded"/"recordid"), or are close in spelling (1 − edit distance / length, counted from 0.5). A word
 * the recogniser split in two ("record it") is compared joined as well. Function words count a quarter. The score
 * is the weighted mean over the example's words; the best window wins.
 *
 * It catches recognition errors, reordering and insertions; it does not know synonyms, so a paraphrase with other
 * words needs its own example. An embedding model (issue 5) can replace it behind `SimilarityModel`.
 */
export interface SimilarityModel {
  readonly id: string;
  prepare(example: string): PreparedExample;
  /** the best-matching stretch of tokens; with `min`, may answer 0 early when no stretch can reach it */
  best(example: PreparedExample, tokens: string[], min?: number): { score: number; from: number; to: number };
}

export interface PreparedExample {
  tokens: string[];
  /** interned word ids (−1 past the table's bound) */
  ids: number[];
  weights: number[];
  total: number;
}

/** English function words: weighted down in alignment here, not counted as a recap's content in `./restates.ts` */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  'a an the and or but if of to in on at for with by from as is are was were be been am it its this that these those i you he she we they me my your our their his her us them do does did have has had will would can could shall should may might must not no so than then there here what which who whom how when where why just very'.split(
    ' ',
  ),
);

/** A compact phonetic key: consonant skeleton after common English spelling rules. */
export function phoneticKey(word: string): string {
  let w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (!w) return word;
  w = w
    .replace(/^kn|^gn|^pn|^wr/, (m) => m[1])
    .replace(/ph/g, 'f')
    .replace(/ck/g, 'k')
    .replace(/c(?=[eiy])/g, 's')
    .replace(/[cq]/g, 'k')
    .replace(/x/g, 'ks')
    .replace(/dg/g, 'j')
    .replace(/gh/g, '')
    .replace(/th/g, '0')
    .replace(/sh/g, 'x')
    .replace(/z/g, 's')
    .replace(/(ed|d)$/g, 'd');
  const first = /[aeiouy]/.test(w[0]) ? 'a' : w[0];
  const rest = w.slice(1).replace(/[aeiouyhw]/g, '');
  return (first + rest).replace(/(.)\1+/g, '$1');
}

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * Words are interned once per process (id → spelling and phonetic key); word-pair similarities are memoised by id
 * pair. A contact centre's vocabulary is small, so after warm-up a comparison is one map lookup. Both tables are
 * bounded: past the limit new words are compared without being remembered.
 */
const MAX_WORDS = 1 << 20;
const MAX_PAIRS = 2_000_000;
const wordIds = new Map<string, number>();
const wordText: string[] = [];
const wordKey: string[] = [];
let pairSims = new Map<number, number>();

function internWord(w: string): number {
  let id = wordIds.get(w);
  if (id === undefined) {
    if (wordText.length >= MAX_WORDS) return -1;
    id = wordText.length;
    wordIds.set(w, id);
    wordText.push(w);
    wordKey.push(phoneticKey(w));
  }
  return id;
}

function computeSimilarity(a: string, aKey: string, b: string, bKey: string): number {
  if (a === b) return 1;
  if (a.length >= 3 && b.length >= 3 && aKey === bKey) return 0.85;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) * 2 > Math.max(la, lb)) return 0; // the edit distance alone would exceed half the length
  const s = 1 - editDistance(a, b) / Math.max(la, lb);
  return s >= 0.5 ? s : 0;
}

function similarityOf(a: number, aWord: string, b: number, bWord: string): number {
  if (a === b && a >= 0) return 1;
  if (a < 0 || b < 0) return computeSimilarity(aWord, phoneticKey(aWord), bWord, phoneticKey(bWord));
  const k = a * 2_097_152 + b;
  let v = pairSims.get(k);
  if (v === undefined) {
    v = computeSimilarity(wordText[a], wordKey[a], wordText[b], wordKey[b]);
    if (pairSims.size >= MAX_PAIRS) pairSims = new Map();
    pairSims.set(k, v);
  }
  return v;
}

/** An utterance's word ids and the ids of adjacent words joined (for words the recogniser split), once per token list. */
const preparedTokens = new WeakMap<string[], { ids: number[]; joined: number[]; joinedText: string[] }>();
function prepareTokens(tokens: string[]) {
  let p = preparedTokens.get(tokens);
  if (!p) {
    const joinedText = tokens.slice(0, -1).map((t, j) => t + tokens[j + 1]);
    p = { ids: tokens.map(internWord), joined: joinedText.map(internWord), joinedText };
    preparedTokens.set(tokens, p);
  }
  return p;
}

export const lexicalPhonetic: SimilarityModel = {
  id: 'lexical-phonetic@1',
  prepare(example) {
    const tokens = tokenize(example);
    const weights = tokens.map((t) => (FUNCTION_WORDS.has(t) ? 0.25 : 1));
    return { tokens, ids: tokens.map(internWord), weights, total: weights.reduce((a, b) => a + b, 0) };
  },
  best(ex, tokens, min = 0) {
    const none = { score: 0, from: 0, to: 0 };
    if (!ex.tokens.length || !tokens.length) return none;
    const u = prepareTokens(tokens);
    const exIds = ex.ids;
    const n = tokens.length;
    // S[i][j]: example word i against utterance word j (or words j, j+1 joined)
    const S: Float64Array[] = [];
    let bound = 0;
    for (let i = 0; i < exIds.length; i++) {
      const row = new Float64Array(n);
      let rowMax = 0;
      for (let j = 0; j < n; j++) {
        let v = similarityOf(exIds[i], ex.tokens[i], u.ids[j], tokens[j]);
        if (v < 1 && j + 1 < n) v = Math.max(v, similarityOf(exIds[i], ex.tokens[i], u.joined[j], u.joinedText[j]));
        row[j] = v;
        if (v > rowMax) rowMax = v;
      }
      S.push(row);
      bound += rowMax * ex.weights[i];
    }
    // no window can beat the best match of every word anywhere in the utterance
    if (bound / ex.total < min) return none;
    let best = none;
    const span = ex.tokens.length + 3;
    const lastStart = Math.max(0, n - ex.tokens.length);
    for (let start = 0; start <= lastStart; start++) {
      const end = Math.min(n, start + span);
      let sum = 0;
      let lo = end;
      let hi = start;
      for (let i = 0; i < S.length; i++) {
        const row = S[i];
        let bestSim = 0;
        let at = -1;
        for (let j = start; j < end; j++) {
          if (row[j] > bestSim) {
            bestSim = row[j];
            at = j;
          }
        }
        sum += bestSim * ex.weights[i];
        if (at >= 0) {
          lo = Math.min(lo, at);
          hi = Math.max(hi, at + 1);
        }
      }
      const score = sum / ex.total;
      if (score > best.score) best = { score, from: lo, to: Math.max(lo + 1, hi) };
      if (best.score === 1) break;
    }
    return best;
  },
};
