import type { Reading } from '../entities/utterance';
import type { IntentResult, SentimentResult } from './classifier';
import { words } from './features';
import { UNKNOWN_INTENT } from './metrics';
import type { ToneResult } from './tone';

/**
 * What the understanding stage concludes about one conversation, from its masked utterances: the intent (with
 * confidence and the utterance it came from), sentiment per utterance, and an escalation signal. Pure: the models
 * are called by the command, their answers come in here.
 */
export interface UnderstandInput {
  seq: number;
  speaker: string;
  text: string;
}

export interface Escalation {
  level: 'none' | 'watch' | 'escalate';
  /** 0…1 */
  score: number;
  reasons: string[];
}

export interface Understanding {
  intent: string;
  intentConfidence: number;
  /** the utterance the intent was read from (seq), if any */
  intentSeq: number | null;
  /** per utterance: its tone, and what the reply models read an agent's reply as (`promise`, `political`) */
  sentiments: Array<{ seq: number; reads?: Reading[] } & ToneResult>;
  /**
   * a conversation in a language with no sentiment model: what the reply models for its language read its agent's
   * replies as (`refusal`), per utterance, with no tone
   */
  readsOnly?: Array<{ seq: number; reads: Reading[] }>;
  escalation: Escalation;
  models: Record<string, string>;
}

/** The customer's first turns: where the reason for the call is said. */
export const OPENING_TURNS = 3;

/**
 * Utterances whose text the intent is read from: the customer's (all, when no speaker is known), two words and up, in
 * order; the first OPENING_TURNS of them, and those joined, are the opening request.
 */
export function intentCandidates(us: UnderstandInput[]): Array<{ seq: number | null; text: string; opening: boolean }> {
  const customer = us.filter((u) => u.speaker === 'customer');
  const pool = (customer.length ? customer : us).filter((u) => words(u.text).length >= 2).sort((a, b) => a.seq - b.seq);
  const out = pool.map((u, k) => ({ seq: u.seq as number | null, text: u.text, opening: k < OPENING_TURNS }));
  // the opening request is often spread over the first turns
  if (pool.length > 1)
    out.push({
      seq: null,
      text: pool
        .slice(0, OPENING_TURNS)
        .map((u) => u.text)
        .join(' '),
      opening: true,
    });
  return out;
}

/**
 * The conversation's intent: the opening request — the first of the customer's first turns with a clear known intent,
 * else the most confident known intent of the opening turns (and of them joined) — so a garbled or side remark, or a
 * short follow-up ("block it?"), does not replace why the customer called; the later turns decide only when the
 * opening says nothing known. `unknown` when no turn is known.
 */
export function pickIntent(
  cands: Array<{ seq: number | null; opening?: boolean }>,
  results: IntentResult[],
): { intent: string; confidence: number; seq: number | null } {
  const best = (opening: boolean | undefined) => {
    let b: { intent: string; confidence: number; seq: number | null } = {
      intent: UNKNOWN_INTENT,
      confidence: 0,
      seq: null,
    };
    results.forEach((r, i) => {
      if (r.intent === UNKNOWN_INTENT || (opening !== undefined && !!cands[i].opening !== opening)) return;
      if (b.intent === UNKNOWN_INTENT || r.confidence > b.confidence)
        b = { intent: r.intent, confidence: r.confidence, seq: cands[i].seq };
    });
    return b;
  };
  // the first of the customer's opening turns that says a known request clearly ("I lost my card yesterday" before
  // "block it?"): the opening request, not the most confident echo of it
  const first = results.findIndex(
    (r, i) => cands[i].opening && cands[i].seq !== null && r.intent !== UNKNOWN_INTENT && r.confidence >= CLEAR_REQUEST,
  );
  if (first >= 0)
    return { intent: results[first].intent, confidence: results[first].confidence, seq: cands[first].seq };
  const opening = best(true);
  return opening.intent !== UNKNOWN_INTENT ? opening : best(undefined);
}

/** An intent at least this confident in a single opening turn is the request the customer opened with. */
const CLEAR_REQUEST = 0.5;

/** Words and phrases of anger or of taking a complaint further, as a caller says them (normalised text). */
export const ANGER_PHRASES = [
  'ridiculous',
  'unacceptable',
  'disgusting',
  'disgraceful',
  'outrageous',
  'furious',
  'angry',
  'fed up',
  'sick of',
  'sick and tired',
  'useless',
  'incompetent',
  'pathetic',
  'joke',
  'lawyer',
  'solicitor',
  'ombudsman',
  'regulator',
  'sue you',
  'close my account',
  'cancel my account',
  'speak to a manager',
  'speak to your manager',
  'talk to a manager',
  'speak to a supervisor',
  'supervisor now',
  'make a complaint',
  'formal complaint',
  'complain',
  'complaint',
];

const phraseRe = new RegExp(`(?:^| )(${ANGER_PHRASES.join('|')})(?= |$)`, 'g');

/**
 * Escalation of a conversation from the customer's side: anger words or a demand to take it further, falling
 * sentiment (the last third of the customer's turns at least 0.6 below the first third), and repeated complaints
 * (three or more negative turns). One signal is `watch`; two or more, or an anger word in a turn that ends the
 * customer's part negative, is `escalate`.
 */
export function escalation(us: UnderstandInput[], sentiments: Array<{ seq: number } & SentimentResult>): Escalation {
  const customer = us.filter((u) => u.speaker === 'customer');
  const pool = customer.length ? customer : us;
  const bySeq = new Map(sentiments.map((s) => [s.seq, s]));
  const reasons: string[] = [];
  const found = new Set<string>();
  for (const u of pool) for (const m of words(u.text).join(' ').matchAll(phraseRe)) found.add(m[1]);
  if (found.size) reasons.push(`anger or escalation words: ${[...found].sort().join(', ')}`);
  const scores = pool.map((u) => bySeq.get(u.seq)?.score ?? 0);
  if (scores.length >= 3) {
    const third = Math.max(1, Math.floor(scores.length / 3));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(scores.slice(0, third));
    const last = mean(scores.slice(-third));
    if (first - last >= 0.6) reasons.push(`sentiment falls from ${first.toFixed(2)} to ${last.toFixed(2)}`);
  }
  const negatives = pool.filter((u) => bySeq.get(u.seq)?.label === 'negative').length;
  if (negatives >= 3) reasons.push(`${negatives} negative turns`);
  const endsNegative = pool.length > 0 && bySeq.get(pool[pool.length - 1].seq)?.label === 'negative';
  const signals = reasons.length;
  const level = signals >= 2 || (found.size > 0 && endsNegative) ? 'escalate' : signals === 1 ? 'watch' : 'none';
  const score = Math.min(1, Math.round((signals / 3 + (endsNegative ? 0.15 : 0)) * 100) / 100);
  return { level, score, reasons };
}
