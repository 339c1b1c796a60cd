import { enableLinearRegexpFallback } from '../lib/linear-regexp';
import type { PhraseSet } from './qa-policy';
import type { PreparedExample, SimilarityModel } from './similarity';
import { tokenize, tokenizeHan, type InspectUtterance } from './transcript';

/**
 * Where a phrase was found in one utterance: token range [from, to) and how (keyword, pattern, similar + score), or,
 * for a phrase the speech engine spotted acoustically (`keyphrase`), its time span only.
 */
export interface Hit {
  utterance: InspectUtterance;
  from: number;
  to: number;
  how: 'keyword' | 'pattern' | 'tone' | 'model' | 'similar' | 'keyphrase' | 'restated';
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

/**
 * All keywords of a policy in one index by first word: one pass over an utterance's tokens finds the earliest
 * keyword hit of every phrase set at once (cached per utterance), instead of one string search per keyword per set.
 */
export class Lexicon {
  private byFirst = new Map<string, Array<{ set: number; rest: string[]; han: string[] }>>();
  private count = 0;
  private cache = new WeakMap<InspectUtterance, Int32Array>();

  /** a keyword's tokens, and the character each was written as ('' for a word: `tokenizeHan`) */
  addSet(keywords: Array<{ tokens: string[]; han: string[] }>): number {
    const id = this.count++;
    for (const { tokens: k, han } of keywords) {
      if (!k.length) continue;
      let list = this.byFirst.get(k[0]);
      if (!list) this.byFirst.set(k[0], (list = []));
      list.push({ set: id, rest: k.slice(1), han });
    }
    return id;
  }

  /** [from, to) of the earliest keyword hit per set (−1: none), two entries per set. */
  scan(u: InspectUtterance): Int32Array {
    let r = this.cache.get(u);
    if (r) return r;
    r = new Int32Array(this.count * 2).fill(-1);
    const t = u.tokens;
    for (let j = 0; j < t.length; j++) {
      const cands = this.byFirst.get(t[j]);
      if (!cands) continue;
      for (const c of cands) {
        if (r[c.set * 2] >= 0 && r[c.set * 2] <= j) continue;
        let ok = j + c.rest.length < t.length;
        for (let k = 0; ok && k < c.rest.length; k++) ok = t[j + 1 + k] === c.rest[k];
        // typed in characters, a keyword written in characters must be the same characters (下车 is not 瞎扯)
        for (let k = 0; ok && u.han && k <= c.rest.length; k++)
          ok = !c.han[k] || !u.han[j + k] || c.han[k] === u.han[j + k];
        if (ok) {
          r[c.set * 2] = j;
          r[c.set * 2 + 1] = j + 1 + c.rest.length;
        }
      }
    }
    this.cache.set(u, r);
    return r;
  }
}

/**
 * The earliest match of any of `res` in the utterance, as a token range; then of `bySentence` (the anchored ones of a
 * set that reads by sentence) in each sentence of a typed message read alone, its `^` and `$` at the sentence's start
 * and end. (An unanchored pattern finds in the whole text whatever it finds in a sentence.)
 */
function patternHit(
  u: InspectUtterance,
  res: RegExp[],
  how: 'pattern' | 'tone',
  bySentence: RegExp[] = [],
): Hit | null {
  if (!res.length) return null;
  const j = joined(u);
  let best: Hit | null = null;
  // `text` starts at character `at` of the joined text
  const scan = (text: string, at: number, list: RegExp[]) => {
    for (const re of list) {
      const m = re.exec(text);
      if (!m) continue;
      const from = tokenAt(j.starts, at + m.index);
      const to = tokenAt(j.starts, at + m.index + Math.max(0, m[0].length - 1)) + 1;
      if (!best || from < best.from) best = { utterance: u, from, to, how, score: 1 };
    }
  };
  scan(j.text, 0, res);
  if (bySentence.length && u.sentenceStarts?.length) {
    const starts = [0, ...u.sentenceStarts, u.tokens.length];
    for (let k = 0; k + 1 < starts.length; k++) {
      const a = j.starts[starts[k]];
      scan(
        j.text.slice(a, starts[k + 1] < u.tokens.length ? j.starts[starts[k + 1]] - 1 : j.text.length),
        a,
        bySentence,
      );
    }
  }
  return best;
}

/** a pattern that may hold at a sentence's start or end and not within the whole text: one with `^` or `$` */
const anchored = (re: RegExp) => /[$^]/.test(re.source);

/** Compiles a phrase set once per policy; keyword hits come from the policy's lexicon scan. */
export function compilePhraseSet(set: PhraseSet, model: SimilarityModel, lexicon: Lexicon): CompiledPhraseSet {
  const keywordTokens = (set.keywords ?? []).map(tokenizeHan);
  const keywords = keywordTokens.map((k) => ` ${k.tokens.join(' ')} `);
  const id = lexicon.addSet(keywordTokens);
  // compiled with V8's linear-time fallback on: a policy's pattern cannot backtrack without bound
  enableLinearRegexpFallback();
  const patterns = (set.patterns ?? []).map((p) => new RegExp(p));
  const coldPatterns = (set.negative_with ?? []).map((p) => new RegExp(p));
  const sentencePatterns = set.by_sentence ? patterns.filter(anchored) : [];
  const sentenceColdPatterns = set.by_sentence ? coldPatterns.filter(anchored) : [];
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
      const r = lexicon.scan(u);
      if (r[id * 2] >= 0) return { utterance: u, from: r[id * 2], to: r[id * 2 + 1], how: 'keyword', score: 1 };
      // the earliest match of the patterns; then, in a turn the tone signal reads as negative, of negative_with
      const matched =
        patternHit(u, patterns, 'pattern', sentencePatterns) ??
        ((u.sentiment ?? 0) < 0 ? patternHit(u, coldPatterns, 'tone', sentenceColdPatterns) : null);
      if (matched) return matched;
      // a turn the tone signal read as the agent's attitude, where the set asks for it: the whole turn
      if (set.attitude && u.attitude && u.tokens.length)
        return { utterance: u, from: 0, to: u.tokens.length, how: 'tone', score: 1 };
      // an agent reply the reply models read as what the set names: the whole turn
      if (set.read_as && u.readAs?.some((r) => (set.read_as as readonly string[]).includes(r)) && u.tokens.length)
        return { utterance: u, from: 0, to: u.tokens.length, how: 'model', score: 1 };
      let best: Hit | null = null;
      for (const ex of examples) {
        const r = model.best(ex, u.tokens, set.threshold);
        if (r.score >= set.threshold && (!best || r.score > best.score))
          best = { utterance: u, from: r.from, to: r.to, how: 'similar', score: r.score };
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
