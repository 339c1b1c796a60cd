import type { PhraseSet } from './policy';
import type { PreparedExample, SimilarityModel } from './similarity';
import { tokenize, type InspectUtterance } from './transcript';

/**
 * Where a phrase was found in one utterance: token range [from, to) and how (keyword, pattern, similar + score), or,
 * for a phrase the speech engine spotted acoustically (`keyphrase`), its time span only.
 */
export interface Hit {
  utterance: InspectUtterance;
  from: number;
  to: number;
  how: 'keyword' | 'pattern' | 'similar' | 'keyphrase';
  score: number;
  span?: [number, number];
}

/** An utterance's tokens joined by single spaces, with each token's offset: built once per utterance. */
export interface Joined {
  text: string;
  starts: number[];
}

const joinedCache = new WeakMap<InspectUtterance, Joined>();
export function joined(u: InspectUtterance): Joined {
  let j = joinedCache.get(u);
  if (!j) {
    const starts: number[] = [];
    let pos = 0;
    for (const t of u.tokens) {
      starts.push(pos);
      pos += t.length + 1;
    }
    j = { text: u.tokens.join(' '), starts };
    joinedCache.set(u, j);
  }
  return j;
}

function tokenAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface CompiledPhraseSet {
  /** the first match in this utterance, or null */
  find(u: InspectUtterance): Hit | null;
  readonly semantic: boolean;
}

/** Compiles a phrase set once per policy; `find` then costs a few string scans per utterance. */
export function compilePhraseSet(set: PhraseSet, model: SimilarityModel): CompiledPhraseSet {
  const keywords = (set.keywords ?? []).map((k) => ` ${tokenize(k).join(' ')} `);
  const patterns = (set.patterns ?? []).map((p) => new RegExp(p));
  const examples: PreparedExample[] = (set.similar ?? []).map((s) => model.prepare(s));
  // a spotted keyphrase counts when it contains one of the keywords or is part of an example sentence
  const spotted = (p: string) => {
    const k = ` ${tokenize(p).join(' ')} `;
    return keywords.some((kw) => k.includes(kw)) || examples.some((ex) => ` ${ex.tokens.join(' ')} `.includes(k));
  };
  return {
    semantic: examples.length > 0,
    find(u) {
      if (!u.tokens.length && !u.keyphrases?.length) return null;
      const j = joined(u);
      let best: Hit | null = null;
      const padded = ` ${j.text} `;
      for (const k of keywords) {
        const at = padded.indexOf(k);
        if (at < 0) continue;
        const from = tokenAt(j.starts, at);
        const hit: Hit = { utterance: u, from, to: from + k.split(' ').length - 2, how: 'keyword', score: 1 };
        if (!best || hit.from < best.from) best = hit;
      }
      if (best) return best;
      for (const re of patterns) {
        const m = re.exec(j.text);
        if (!m) continue;
        const from = tokenAt(j.starts, m.index);
        const to = tokenAt(j.starts, m.index + Math.max(0, m[0].length - 1)) + 1;
        if (!best || from < best.from) best = { utterance: u, from, to, how: 'pattern', score: 1 };
      }
      if (best) return best;
      for (const ex of examples) {
        const r = model.best(ex, u.tokens);
        if (r.score >= set.threshold && (!best || r.score > best.score)) best = { utterance: u, from: r.from, to: r.to, how: 'similar', score: r.score };
      }
      if (best) return best;
      const k = u.keyphrases?.find((x) => spotted(x.p));
      return k ? { utterance: u, from: 0, to: 0, how: 'keyphrase', score: 1, span: [k.s, k.e] } : null;
    },
  };
}

/** Start and end time of a hit: the matched words' times for calls, the utterance's otherwise. */
export function hitTimes(h: Hit): [number, number] {
  if (h.span) return h.span;
  const t = h.utterance.times;
  if (t && t[h.from] && t[h.to - 1]) return [t[h.from][0], t[h.to - 1][1]];
  return [h.utterance.startMs, h.utterance.endMs];
}
