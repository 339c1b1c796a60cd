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
  best(example: PreparedExample, tokens: string[]): { score: number; from: number; to: number };
}

export interface PreparedExample {
  tokens: string[];
  keys: string[];
  weights: number[];
  total: number;
}

const FUNCTION_WORDS = new Set(
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
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

function wordSimilarity(a: string, aKey: string, b: string): number {
  if (a === b) return 1;
  if (a.length >= 3 && b.length >= 3 && aKey === phoneticKey(b)) return 0.85;
  const s = 1 - editDistance(a, b) / Math.max(a.length, b.length);
  return s >= 0.5 ? s : 0;
}

export const lexicalPhonetic: SimilarityModel = {
  id: 'lexical-phonetic@1',
  prepare(example) {
    const tokens = tokenize(example);
    const weights = tokens.map((t) => (FUNCTION_WORDS.has(t) ? 0.25 : 1));
    return { tokens, keys: tokens.map(phoneticKey), weights, total: weights.reduce((a, b) => a + b, 0) };
  },
  best(ex, tokens) {
    let best = { score: 0, from: 0, to: 0 };
    if (!ex.tokens.length || !tokens.length) return best;
    const span = ex.tokens.length + 3;
    const lastStart = Math.max(0, tokens.length - ex.tokens.length);
    const memo = new Map<string, number>();
    const sim = (i: number, t: string) => {
      const k = `${i} ${t}`;
      let v = memo.get(k);
      if (v === undefined) {
        v = wordSimilarity(ex.tokens[i], ex.keys[i], t);
        memo.set(k, v);
      }
      return v;
    };
    for (let start = 0; start <= lastStart; start++) {
      const end = Math.min(tokens.length, start + span);
      let sum = 0;
      let lo = end;
      let hi = start;
      for (let i = 0; i < ex.tokens.length; i++) {
        let bestSim = 0;
        let at = -1;
        for (let j = start; j < end; j++) {
          let s = sim(i, tokens[j]);
          if (j + 1 < end && s < 1) s = Math.max(s, sim(i, tokens[j] + tokens[j + 1]));
          if (s > bestSim) {
            bestSim = s;
            at = j;
          }
        }
        sum += bestSim * ex.weights[i];
        if (at >= 0 && bestSim > 0) {
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
