import { compilePhraseSet, CompiledPhraseSet, Hit, hitTimes, Lexicon } from './match';
import type { Rule } from './qa-policy';
import { restatedHits } from './restates';
import { queueMatches } from './routing';
import type { SimilarityModel } from './similarity';
import { type InspectionTranscript, type InspectUtterance, sentenceAt, sentenceTokens, tokenize } from './transcript';

import type { Evidence, RuleResult } from '../entities/inspection';

export type { Evidence, RuleResult };

export interface RuleOutcome {
  result: RuleResult;
  /** built from the rule and numbers only: never transcript text */
  message: string;
  evidence: Evidence[];
  measured?: Record<string, number>;
}

export type CompiledRule = {
  rule: Rule;
  evaluate(t: InspectionTranscript, ctx: Segments): RuleOutcome;
  semantic: boolean;
};

const TIMING_TYPES = new Set(['silence', 'hold', 'overtalk', 'interruption', 'speech_rate', 'talk_ratio']);
/** words closer than this belong to one stretch of speech */
const JOIN_GAP_MS = 250;

const evidenceOf = (h: Hit): Evidence => {
  const [s, e] = hitTimes(h);
  return {
    utteranceId: h.utterance.id,
    seq: h.utterance.seq,
    startMs: s,
    endMs: e,
    ...(h.how === 'keyphrase' ? { spotted: true } : { tokens: [h.from, h.to] as [number, number] }),
  };
};
/** `hits` with those of `more` in utterances `hits` has none in, in utterance order */
function merged(hits: Hit[], more: Hit[]): Hit[] {
  const extra = more.filter((m) => !hits.some((h) => h.utterance === m.utterance));
  return extra.length ? [...hits, ...extra].sort((a, b) => a.utterance.seq - b.utterance.seq) : hits;
}
const ofSpeaker = (u: InspectUtterance, sp: 'agent' | 'customer' | 'any') => (sp === 'any' ? true : u.speaker === sp);
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** the sentence of a hit says one of `ahead` (each tokenized, space-joined) as whole words */
const saysAhead = (u: InspectUtterance, token: number, ahead: string[]) => {
  if (!ahead.length) return false;
  const s = ` ${sentenceTokens(u, token)} `;
  return ahead.some((w) => s.includes(` ${w} `));
};

/** Stretches of speech per speaker, from word times (calls) or utterance spans; computed once per transcript. */
export class Segments {
  private cache = new Map<string, Array<[number, number]>>();
  constructor(private readonly t: InspectionTranscript) {}

  of(speaker: 'agent' | 'customer' | 'any'): Array<[number, number]> {
    let s = this.cache.get(speaker);
    if (s) return s;
    if (speaker === 'any') {
      // both speakers' stretches are sorted already: merge them, then join what touches
      const a = this.of('agent');
      const c = this.of('customer');
      const u = this.t.utterances.some((x) => x.speaker === 'unknown')
        ? this.build((x) => x.speaker === 'unknown')
        : [];
      s = join(
        [...a, ...c, ...u].sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((x) => [x[0], x[1]] as [number, number]),
      );
    } else {
      s = this.build((x) => x.speaker === speaker);
    }
    this.cache.set(speaker, s);
    return s;
  }

  private build(pick: (u: InspectUtterance) => boolean): Array<[number, number]> {
    const spans: Array<[number, number]> = [];
    let sorted = true;
    for (const u of this.t.utterances) {
      if (!pick(u)) continue;
      if (u.times?.length) {
        for (const w of u.times) {
          if (spans.length && w[0] < spans[spans.length - 1][0]) sorted = false;
          spans.push([w[0], w[1]]);
        }
      } else {
        if (spans.length && u.startMs < spans[spans.length - 1][0]) sorted = false;
        spans.push([u.startMs, u.endMs]);
      }
    }
    if (!sorted) spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return join(spans);
  }

  talkMs(speaker: 'agent' | 'customer'): number {
    return this.of(speaker).reduce((a, [s, e]) => a + (e - s), 0);
  }
}

/** Joins sorted spans that overlap or are closer than JOIN_GAP_MS (in place). */
function join(spans: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const sp of spans) {
    const last = out[out.length - 1];
    if (last && sp[0] - last[1] <= JOIN_GAP_MS) last[1] = Math.max(last[1], sp[1]);
    else out.push(sp);
  }
  return out;
}

/** Pairs of overlapping stretches of agent and customer speech. */
function overlaps(seg: Segments): Array<{ start: number; end: number; agentStart: number; customerStart: number }> {
  const a = seg.of('agent');
  const c = seg.of('customer');
  const out: Array<{ start: number; end: number; agentStart: number; customerStart: number }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < c.length) {
    const start = Math.max(a[i][0], c[j][0]);
    const end = Math.min(a[i][1], c[j][1]);
    if (end > start) out.push({ start, end, agentStart: a[i][0], customerStart: c[j][0] });
    if (a[i][1] < c[j][1]) i++;
    else j++;
  }
  return out;
}

function firstHit(set: CompiledPhraseSet, t: InspectionTranscript, speaker: 'agent' | 'customer' | 'any'): Hit | null {
  for (const u of t.utterances) {
    if (!ofSpeaker(u, speaker)) continue;
    const h = set.find(u);
    if (h) return h;
  }
  return null;
}

function allHits(set: CompiledPhraseSet, t: InspectionTranscript, speaker: 'agent' | 'customer' | 'any'): Hit[] {
  const out: Hit[] = [];
  for (const u of t.utterances) {
    if (!ofSpeaker(u, speaker)) continue;
    const h = set.find(u);
    if (h) out.push(h);
  }
  return out;
}

/** Checks `when` and the channel; returns an outcome when the rule does not apply or cannot be evaluated. */
function precondition(rule: Rule, t: InspectionTranscript, said?: CompiledPhraseSet): RuleOutcome | undefined {
  const w = rule.when;
  const na = (message: string): RuleOutcome => ({ result: 'not_applicable', message, evidence: [] });
  if (w?.channels && !w.channels.includes(t.channel as never)) return na(`applies to ${w.channels.join(', ')} only`);
  // said by the speaker `when.said` names: the rule applies whatever the queue or the intent (a complaint made on
  // another line)
  const saidIt = Boolean(said && w?.said && allHits(said, t, w.said.speaker).length);
  if (w?.queues && !queueMatches(w.queues, t.queue) && !saidIt)
    return na(
      `applies to queues ${w.queues.join(', ')}${w.said ? ` (or where ${w.said.speaker} says what it names)` : ''} only`,
    );
  if (TIMING_TYPES.has(rule.type) && t.channel !== 'call') return na('a timing rule: applies to calls only');
  if (saidIt) return undefined;
  if (w?.said && !w.intents && !w.queues) return na(`applies where ${w.said.speaker} says what it names only`);
  if (w?.intents) {
    if (!t.intent)
      return {
        result: 'not_evaluated',
        message: 'needs the conversation intent; the understanding stage gave none',
        evidence: [],
      };
    if (!w.intents.includes(t.intent))
      return na(`applies to intents ${w.intents.join(', ')}${w.said ? ` (or what ${w.said.speaker} says)` : ''} only`);
  }
  return undefined;
}

export function compileRule(rule: Rule, model: SimilarityModel, lexicon: Lexicon): CompiledRule {
  const evaluate = evaluator(rule, model, lexicon);
  const semantic =
    rule.type === 'phrase'
      ? Boolean(
          rule.match.similar?.length ||
          rule.before?.match.similar?.length ||
          rule.unless?.similar?.length ||
          rule.only_with?.similar?.length ||
          rule.opinion?.after.similar?.length ||
          rule.opinion?.stance?.similar?.length ||
          rule.objected_to?.similar?.length ||
          rule.when?.said?.match.similar?.length,
        )
      : false;
  const said = rule.when?.said ? compilePhraseSet(rule.when.said.match, model, lexicon) : undefined;
  return {
    rule,
    semantic,
    evaluate: (t, seg) => precondition(rule, t, said) ?? evaluate(t, seg),
  };
}

function evaluator(
  rule: Rule,
  model: SimilarityModel,
  lexicon: Lexicon,
): (t: InspectionTranscript, seg: Segments) => RuleOutcome {
  switch (rule.type) {
    case 'phrase': {
      const set = compilePhraseSet(rule.match, model, lexicon);
      const anchor = rule.before ? compilePhraseSet(rule.before.match, model, lexicon) : undefined;
      const ahead = (rule.before?.ahead ?? []).map((w) => tokenize(w).join(' '));
      const unless = rule.unless ? compilePhraseSet(rule.unless, model, lexicon) : undefined;
      const asked = rule.opinion ? compilePhraseSet(rule.opinion.after, model, lexicon) : undefined;
      const stance = rule.opinion?.stance ? compilePhraseSet(rule.opinion.stance, model, lexicon) : undefined;
      const onlyWith = rule.only_with ? compilePhraseSet(rule.only_with, model, lexicon) : undefined;
      const counted = (hits: Hit[], t: InspectionTranscript) =>
        rule.unless_anywhere && unless && t.utterances.some((u) => ofSpeaker(u, rule.speaker) && unless.find(u))
          ? []
          : hits.filter((h) => !unless?.find(h.utterance) && (!onlyWith || onlyWith.find(h.utterance)));
      // a view given where one was asked for: the speaker's turn answering the other party's question, read as
      // clearly for or against something
      const opinions = (t: InspectionTranscript): Hit[] => {
        if (!asked || !rule.opinion) return [];
        const out: Hit[] = [];
        // the turn this one answers: the last utterance by another speaker, in one pass (the previous utterance if
        // another spoke it, else the same as the previous utterance's)
        let prev: InspectionTranscript['utterances'][number] | undefined;
        let before: InspectionTranscript['utterances'][number] | undefined;
        for (const u of t.utterances) {
          if (before && before.speaker !== u.speaker) prev = before;
          before = u;
          if (!ofSpeaker(u, rule.speaker) || !u.tokens.length) continue;
          const strong =
            rule.opinion!.min_strength !== undefined && Math.abs(u.sentiment ?? 0) >= rule.opinion!.min_strength;
          if (!strong && !stance?.find(u)) continue;
          if (prev && asked.find(prev)) out.push({ utterance: u, from: 0, to: u.tokens.length, how: 'tone', score: 1 });
        }
        return out;
      };
      // a turn the other party objects to ("that's uncalled for"), where the tone signal reads it as negative: the speaker's
      // utterances just before the other party's turn that holds the objection (in any of its utterances: a call splits
      // "Sorry? … There's no need for that." into segments, a chat into messages), each read negative (in any order:
      // `merged` sorts what it adds)
      const objection = rule.objected_to ? compilePhraseSet(rule.objected_to, model, lexicon) : undefined;
      const objected = (t: InspectionTranscript): Hit[] => {
        if (!objection || rule.speaker === 'any') return [];
        const out: Hit[] = [];
        const us = t.utterances;
        // the last utterance of the speaker's turn already counted (a turn objected to twice counts once)
        let counted = -1;
        for (let k = 1; k < us.length; k++) {
          if (us[k].speaker === rule.speaker || !objection.find(us[k])) continue;
          // back over the objecting party's turn to the utterance before it: the speaker's, or no turn to count
          let end = k - 1;
          while (end >= 0 && us[end].speaker === us[k].speaker) end--;
          if (end < 0 || us[end].speaker !== rule.speaker || end === counted) continue;
          counted = end;
          for (let j = end; j >= 0 && us[j].speaker === rule.speaker; j--)
            if (us[j].tokens.length && (us[j].sentiment ?? 0) < 0)
              out.push({ utterance: us[j], from: 0, to: us[j].tokens.length, how: 'tone', score: 1 });
        }
        return out;
      };
      const withOpinions = (hits: Hit[], t: InspectionTranscript) => merged(merged(hits, opinions(t)), objected(t));
      // a recap in words no list has: a closing turn that repeats what the speaker already told
      const withRestated = (hits: Hit[], t: InspectionTranscript) =>
        rule.restates && rule.speaker !== 'any'
          ? merged(hits, restatedHits(t.utterances, rule.speaker, rule.restates))
          : hits;
      return (t): RuleOutcome => {
        if (rule.require === 'absent') {
          const hits = counted(withOpinions(allHits(set, t, rule.speaker), t), t);
          return hits.length
            ? {
                result: 'fail',
                message: `said ${hits.length} time(s) by ${rule.speaker}, must not be said`,
                evidence: hits.map(evidenceOf),
                measured: { count: hits.length },
              }
            : { result: 'pass', message: 'not said', evidence: [] };
        }
        const hits = withRestated(counted(withOpinions(allHits(set, t, rule.speaker), t), t), t);
        const last = t.utterances[t.utterances.length - 1];
        const end = Math.max(t.durationMs, last ? last.endMs : 0);
        if (anchor && rule.before) {
          const a = firstHit(anchor, t, rule.before.speaker);
          if (!a) return { result: 'not_applicable', message: 'the anchor phrase is never said', evidence: [] };
          const [as] = hitTimes(a);
          // in the anchor's own utterance it counts as before in the same sentence or an earlier one ("before I look
          // at the payments, can you confirm your date of birth?" names the payments it has not discussed yet), not
          // in a later one ("I've updated your address. Can you confirm your date of birth?") unless that sentence
          // puts it ahead ("I'll lock it now. First, what's your date of birth?")
          const before = hits.find(
            (h) =>
              h.utterance.seq < a.utterance.seq ||
              (h.utterance.seq === a.utterance.seq &&
                (sentenceAt(h.utterance, h.from) <= sentenceAt(a.utterance, a.from) ||
                  saysAhead(h.utterance, h.from, ahead))),
          );
          return before
            ? {
                result: 'pass',
                message: `said before the anchor (at ${sec(as)})`,
                evidence: [evidenceOf(before), evidenceOf(a)],
              }
            : {
                result: 'fail',
                message: `not said before the anchor at ${sec(as)}`,
                evidence: [evidenceOf(a), ...hits.slice(0, 1).map(evidenceOf)],
              };
        }
        const inWindow = hits.filter((h) => {
          const [s, e] = hitTimes(h);
          if (rule.within_first_s !== undefined && s > rule.within_first_s * 1000) return false;
          if (rule.within_last_s !== undefined && e < end - rule.within_last_s * 1000) return false;
          return true;
        });
        if (inWindow.length)
          return {
            result: 'pass',
            message: 'said',
            evidence: [evidenceOf(inWindow[0])],
            measured: { atMs: hitTimes(inWindow[0])[0] },
          };
        if (hits.length) {
          const win =
            rule.within_first_s !== undefined
              ? `within the first ${rule.within_first_s} s`
              : `within the last ${rule.within_last_s} s`;
          return {
            result: 'fail',
            message: `said at ${sec(hitTimes(hits[0])[0])}, not ${win}`,
            evidence: hits.map(evidenceOf),
            measured: { atMs: hitTimes(hits[0])[0] },
          };
        }
        return { result: 'fail', message: `never said by ${rule.speaker}`, evidence: [] };
      };
    }
    case 'silence': {
      const exempt = rule.except_after ? compilePhraseSet(rule.except_after, model, lexicon) : undefined;
      const max = rule.max_s * 1000;
      return (t, seg): RuleOutcome => {
        const all = seg.of('any');
        const holdEnds = exempt ? allHits(exempt, t, 'agent').map((h) => h.utterance.endMs) : [];
        const gaps: Evidence[] = [];
        let longest = 0;
        for (let i = 1; i < all.length; i++) {
          const gap = all[i][0] - all[i - 1][1];
          if (gap <= max) {
            longest = Math.max(longest, gap);
            continue;
          }
          // a pause that starts where a hold was announced is a hold, judged by the hold rule
          if (holdEnds.some((e) => Math.abs(e - all[i - 1][1]) <= JOIN_GAP_MS)) continue;
          longest = Math.max(longest, gap);
          gaps.push({ startMs: all[i - 1][1], endMs: all[i][0] });
        }
        return gaps.length
          ? {
              result: 'fail',
              message: `${gaps.length} silence(s) over ${rule.max_s} s, longest ${sec(longest)}`,
              evidence: gaps,
              measured: { count: gaps.length, longestMs: longest },
            }
          : {
              result: 'pass',
              message: `no silence over ${rule.max_s} s (longest ${sec(longest)})`,
              evidence: [],
              measured: { longestMs: longest },
            };
      };
    }
    case 'hold': {
      const announce = compilePhraseSet(rule.announce, model, lexicon);
      const max = rule.max_s * 1000;
      return (t, seg): RuleOutcome => {
        const holds = allHits(announce, t, 'agent');
        if (!holds.length) return { result: 'not_applicable', message: 'no hold announced', evidence: [] };
        const all = seg.of('any');
        const long: Evidence[] = [];
        let longest = 0;
        for (const h of holds) {
          const from = h.utterance.endMs;
          const next = all.find(([s]) => s > from + JOIN_GAP_MS);
          if (!next) continue; // the call ended on hold: nothing to measure
          const gap = next[0] - from;
          longest = Math.max(longest, gap);
          if (gap > max)
            long.push({ utteranceId: h.utterance.id, seq: h.utterance.seq, startMs: from, endMs: next[0] });
        }
        return long.length
          ? {
              result: 'fail',
              message: `${long.length} hold(s) over ${rule.max_s} s, longest ${sec(longest)}`,
              evidence: long,
              measured: { count: long.length, longestMs: longest },
            }
          : { result: 'pass', message: `holds within ${rule.max_s} s`, evidence: [], measured: { longestMs: longest } };
      };
    }
    case 'overtalk':
      return (_t, seg): RuleOutcome => {
        const o = overlaps(seg).filter((x) => x.end - x.start >= rule.min_ms);
        const ev = o.map((x) => ({ startMs: x.start, endMs: x.end }));
        return o.length > rule.max_count
          ? {
              result: 'fail',
              message: `${o.length} over-talk(s) of ${rule.min_ms} ms or more (allowed ${rule.max_count})`,
              evidence: ev,
              measured: { count: o.length },
            }
          : {
              result: 'pass',
              message: `${o.length} over-talk(s) (allowed ${rule.max_count})`,
              evidence: ev,
              measured: { count: o.length },
            };
      };
    case 'interruption':
      return (_t, seg): RuleOutcome => {
        const other = rule.speaker === 'agent' ? 'customer' : 'agent';
        const theirs = seg.of(other);
        const mine = seg.of(rule.speaker);
        const ev: Evidence[] = [];
        for (const [ms, me] of mine) {
          const under = theirs.find(([ts, te]) => ts < ms && te > ms);
          if (under && Math.min(under[1], me) - ms >= rule.min_overlap_ms)
            ev.push({ startMs: ms, endMs: Math.min(under[1], me) });
        }
        return ev.length > rule.max_count
          ? {
              result: 'fail',
              message: `${rule.speaker} interrupted ${ev.length} time(s) (allowed ${rule.max_count})`,
              evidence: ev,
              measured: { count: ev.length },
            }
          : {
              result: 'pass',
              message: `${rule.speaker} interrupted ${ev.length} time(s) (allowed ${rule.max_count})`,
              evidence: ev,
              measured: { count: ev.length },
            };
      };
    case 'speech_rate':
      return (t, seg): RuleOutcome => {
        const words = t.utterances.filter((u) => u.speaker === rule.speaker).reduce((a, u) => a + u.tokens.length, 0);
        if (words < rule.min_words)
          return {
            result: 'not_applicable',
            message: `fewer than ${rule.min_words} words by ${rule.speaker}`,
            evidence: [],
            measured: { words },
          };
        const ms = seg.talkMs(rule.speaker);
        const wpm = Math.round((words / ms) * 60_000);
        const low = rule.min_wpm !== undefined && wpm < rule.min_wpm;
        const high = rule.max_wpm !== undefined && wpm > rule.max_wpm;
        const bounds = `${rule.min_wpm ?? 0}–${rule.max_wpm ?? '∞'} wpm`;
        return {
          result: low || high ? 'fail' : 'pass',
          message: `${rule.speaker} speaks ${wpm} words per minute (${bounds})`,
          evidence: [],
          measured: { wpm, words, talkMs: ms },
        };
      };
    case 'talk_ratio':
      return (_t, seg): RuleOutcome => {
        const mine = seg.talkMs(rule.speaker);
        const total = mine + seg.talkMs(rule.speaker === 'agent' ? 'customer' : 'agent');
        if (!total) return { result: 'not_applicable', message: 'nobody speaks', evidence: [] };
        const ratio = Math.round((mine / total) * 1000) / 1000;
        const bad = (rule.min !== undefined && ratio < rule.min) || (rule.max !== undefined && ratio > rule.max);
        return {
          result: bad ? 'fail' : 'pass',
          message: `${rule.speaker} talks ${Math.round(ratio * 100)} % of the time (${rule.min ?? 0}–${rule.max ?? 1})`,
          evidence: [],
          measured: { ratio },
        };
      };
    case 'sentiment':
      return (t): RuleOutcome => {
        const us = t.utterances.filter((u) => u.speaker === rule.speaker);
        if (!us.length) return { result: 'not_applicable', message: `${rule.speaker} says nothing`, evidence: [] };
        if (us.some((u) => u.sentiment === undefined || u.sentiment === null))
          return {
            result: 'not_evaluated',
            message: 'needs sentiment per utterance; the understanding stage gave none',
            evidence: [],
          };
        const s = us.map((u) => u.sentiment as number);
        const ev = (u: InspectUtterance): Evidence => ({
          utteranceId: u.id,
          seq: u.seq,
          startMs: u.startMs,
          endMs: u.endMs,
        });
        const third = Math.max(1, Math.floor(s.length / 3));
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const first = mean(s.slice(0, third));
        const last = mean(s.slice(-third));
        const measured = { first: Math.round(first * 100) / 100, last: Math.round(last * 100) / 100 };
        if (rule.condition === 'falling') {
          const fell = first - last >= rule.drop && (rule.ends_below === undefined || last < rule.ends_below);
          return {
            result: fell ? 'fail' : 'pass',
            message: `${rule.speaker} sentiment ${measured.first} → ${measured.last}`,
            evidence: fell ? us.slice(-third).map(ev) : [],
            measured,
          };
        }
        if (rule.condition === 'ends_negative') {
          const neg = last < 0;
          return {
            result: neg ? 'fail' : 'pass',
            message: `${rule.speaker} ends at ${measured.last}`,
            evidence: neg ? us.slice(-third).map(ev) : [],
            measured,
          };
        }
        const negative = us.filter((u) => (u.sentiment as number) < 0);
        return {
          result: negative.length ? 'fail' : 'pass',
          message: `${negative.length} negative utterance(s) by ${rule.speaker}`,
          evidence: negative.map(ev),
          measured: { count: negative.length },
        };
      };
    case 'pii':
      return (t): RuleOutcome => {
        const ev: Evidence[] = [];
        const types = new Set<string>();
        for (const u of t.utterances) {
          if (!ofSpeaker(u, rule.speaker)) continue;
          for (const m of u.pii) {
            if (!rule.types.includes(m.type)) continue;
            types.add(m.type);
            ev.push({ utteranceId: u.id, seq: u.seq, startMs: m.s ?? u.startMs, endMs: m.e ?? u.endMs });
          }
        }
        return ev.length
          ? {
              result: 'fail',
              message: `${rule.speaker} said ${[...types].sort().join(', ')} (${ev.length} time(s))`,
              evidence: ev,
              measured: { count: ev.length },
            }
          : { result: 'pass', message: `no ${rule.types.join(', ')} said by ${rule.speaker}`, evidence: [] };
      };
  }
}
