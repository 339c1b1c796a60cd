import { normalizeWords } from '../../lib/wer';

/**
 * A small back-off n-gram language model in ARPA format, built from domain text (absolute discounting, D = 0.7).
 * Used only interpolated with the engine's general model, never alone: a domain-only model invents domain phrases
 * in speech that has nothing to do with the domain.
 */
export interface ArpaOptions {
  order?: number;
  discount?: number;
  /** words the recognizer can pronounce; sentences are split at any other word */
  vocabulary: Set<string>;
}

const BOS = '<s>';
const EOS = '</s>';

export function sentencesToTokens(text: string[], vocabulary: Set<string>): string[][] {
  const out: string[][] = [];
  for (const line of text) {
    let cur: string[] = [];
    for (const w of normalizeWords(line)) {
      if (vocabulary.has(w)) cur.push(w);
      else {
        if (cur.length) out.push(cur);
        cur = [];
      }
    }
    if (cur.length) out.push(cur);
  }
  return out;
}

export function buildArpa(
  text: string[],
  opts: ArpaOptions,
): { arpa: string; sentences: number; vocabulary: number; counts: number[] } {
  const order = opts.order ?? 3;
  const D = opts.discount ?? 0.7;
  const sentences = sentencesToTokens(text, opts.vocabulary);
  // counts[n-1]: map from "w1 w2 ... wn" to count
  const counts: Array<Map<string, number>> = Array.from({ length: order }, () => new Map());
  for (const s of sentences) {
    const toks = [BOS, ...s, EOS];
    for (let n = 1; n <= order; n++) {
      for (let i = 0; i + n <= toks.length; i++) {
        if (n === 1 && toks[i] === BOS) continue;
        const key = toks.slice(i, i + n).join(' ');
        counts[n - 1].set(key, (counts[n - 1].get(key) ?? 0) + 1);
      }
    }
  }
  // context totals and distinct followers for n >= 2
  const ctxTotal: Array<Map<string, number>> = Array.from({ length: order }, () => new Map());
  const ctxTypes: Array<Map<string, number>> = Array.from({ length: order }, () => new Map());
  for (let n = 2; n <= order; n++) {
    for (const [k, c] of counts[n - 1]) {
      const h = k.slice(0, k.lastIndexOf(' '));
      ctxTotal[n - 1].set(h, (ctxTotal[n - 1].get(h) ?? 0) + c);
      ctxTypes[n - 1].set(h, (ctxTypes[n - 1].get(h) ?? 0) + 1);
    }
  }
  // <s> needs a count as a context for bigrams: it is in ctxTotal[1]
  const total1 = [...counts[0].values()].reduce((a, b) => a + b, 0);
  const prob: Array<Map<string, number>> = Array.from({ length: order }, () => new Map());
  for (const [w, c] of counts[0]) prob[0].set(w, c / total1);
  prob[0].set(BOS, 0); // <s> is never predicted
  const p = (ngram: string[]): number => {
    // back-off probability of the last word given the rest
    const n = ngram.length;
    const key = ngram.join(' ');
    const direct = prob[n - 1].get(key);
    if (direct !== undefined) return direct;
    if (n === 1) return 0;
    const h = ngram.slice(0, -1).join(' ');
    const bo = backoff[n - 2].get(h) ?? 1;
    return bo * p(ngram.slice(1));
  };
  const backoff: Array<Map<string, number>> = Array.from({ length: order }, () => new Map());
  for (let n = 2; n <= order; n++) {
    for (const [k, c] of counts[n - 1]) {
      const h = k.slice(0, k.lastIndexOf(' '));
      prob[n - 1].set(k, (c - D) / ctxTotal[n - 1].get(h)!);
    }
    // back-off weights of the (n-1)-gram contexts
    const seenLower = new Map<string, number>();
    for (const k of counts[n - 1].keys()) {
      const words = k.split(' ');
      const h = words.slice(0, -1).join(' ');
      seenLower.set(h, (seenLower.get(h) ?? 0) + p(words.slice(1)));
    }
    for (const [h, total] of ctxTotal[n - 1]) {
      const left = (D * ctxTypes[n - 1].get(h)!) / total;
      const denom = 1 - (seenLower.get(h) ?? 0);
      backoff[n - 2].set(h, denom > 1e-9 ? left / denom : 1);
    }
  }
  const log10 = (x: number) => (x > 0 ? Math.log10(x) : -99);
  const lines: string[] = ['\\data\\'];
  for (let n = 1; n <= order; n++) lines.push(`ngram ${n}=${prob[n - 1].size}`);
  for (let n = 1; n <= order; n++) {
    lines.push('', `\\${n}-grams:`);
    const keys = [...prob[n - 1].keys()].sort();
    for (const k of keys) {
      const bo = n < order ? backoff[n - 1].get(k) : undefined;
      lines.push(
        `${log10(prob[n - 1].get(k)!).toFixed(6)}\t${k}${bo !== undefined ? `\t${log10(bo).toFixed(6)}` : ''}`,
      );
    }
  }
  lines.push('', '\\end\\', '');
  return {
    arpa: lines.join('\n'),
    sentences: sentences.length,
    vocabulary: counts[0].size,
    counts: prob.map((m) => m.size),
  };
}

/** Reads the words of a CMU pronouncing dictionary ("word(2)" variants folded). */
export function dictionaryWords(dictText: string): Set<string> {
  const words = new Set<string>();
  for (const line of dictText.split('\n')) {
    const w = line.split(/\s/, 1)[0];
    if (w) words.add(w.replace(/\(\d+\)$/, ''));
  }
  return words;
}
