/**
 * The metrics contact centres track, per conversation, from what is stored without decrypting anything: utterance
 * times, speakers, word counts and sentiment scores, the conversation's metadata, and its current verdict.
 * Speech measures (talk, silence, over-talk, speech rate) exist for calls only; text conversations leave them null.
 */

export interface MetricUtterance {
  speaker: string;
  startMs: number;
  endMs: number;
  wordCount: number;
  /** −1…1; a neutral turn counts 0; null when the sentiment model did not score it */
  sentiment: number | null;
}

export interface MetricConversation {
  channel: string;
  durationMs: number | null;
  holdMs: number | null;
  transfers: number | null;
  intent: string | null;
  escalationLevel: string | null;
}

export interface MetricVerdict {
  outcome: 'inspected' | 'not_applicable';
  policyId: string | null;
  policyVersion: number | null;
  /** after reviews */
  score: number | null;
  passed: boolean | null;
  /** every rule that passed or failed, after reviews (an overturned result counts as the reviewer decided) */
  rules: Array<{ ruleId: string; failed: boolean; fatal: boolean; overturned: boolean }>;
}

export interface ConversationMetrics {
  channel: string;
  handleMs: number | null;
  talkAgentMs: number | null;
  talkCustomerMs: number | null;
  /** agent talk / (agent + customer talk) */
  talkRatio: number | null;
  silenceMs: number | null;
  silenceRatio: number | null;
  longestSilenceMs: number | null;
  overtalkCount: number | null;
  overtalkMs: number | null;
  holdMs: number | null;
  agentWords: number;
  customerWords: number;
  /** words per minute of the speaker's own talk time */
  agentWpm: number | null;
  customerWpm: number | null;
  sentimentStart: number | null;
  sentimentEnd: number | null;
  sentimentMin: number | null;
  escalated: boolean;
  intent: string | null;
  transfers: number | null;
  repeatContact: boolean;
  outcome: 'inspected' | 'not_applicable';
  policyId: string | null;
  policyVersion: number | null;
  score: number | null;
  passed: boolean | null;
  fatalRules: string[];
  failedRules: string[];
}

/** over-talk shorter than this is the two speech detectors' edges touching, not people talking over each other */
export const MIN_OVERTALK_MS = 200;
/** sentiment at the start and the end: the mean of the customer's first / last turns, this many */
const SENTIMENT_TURNS = 2;

type Span = [number, number];

/** Sorted, merged spans (a speaker's own overlapping utterances count once). */
function merge(spans: Span[]): Span[] {
  const s = spans.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Span[] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

const total = (spans: Span[]) => spans.reduce((n, [a, b]) => n + b - a, 0);

/** The intersections of two merged span lists. */
function intersect(x: Span[], y: Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const a = Math.max(x[i][0], y[j][0]);
    const b = Math.min(x[i][1], y[j][1]);
    if (b > a) out.push([a, b]);
    if (x[i][1] < y[j][1]) i++;
    else j++;
  }
  return out;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const round = (x: number | null, digits = 3) => (x === null ? null : Number(x.toFixed(digits)));

export function conversationMetrics(
  conv: MetricConversation,
  utterances: MetricUtterance[],
  verdict: MetricVerdict,
  repeatContact: boolean,
): ConversationMetrics {
  const isCall = conv.channel === 'call';
  const by = (who: string) => utterances.filter((u) => u.speaker === who);
  const agent = merge(by('agent').map((u) => [u.startMs, u.endMs]));
  const customer = merge(by('customer').map((u) => [u.startMs, u.endMs]));
  const speech = merge(utterances.map((u) => [u.startMs, u.endMs]));
  const duration = conv.durationMs ?? (speech.length ? speech[speech.length - 1][1] : 0);

  let speechPart: Pick<
    ConversationMetrics,
    | 'talkAgentMs'
    | 'talkCustomerMs'
    | 'talkRatio'
    | 'silenceMs'
    | 'silenceRatio'
    | 'longestSilenceMs'
    | 'overtalkCount'
    | 'overtalkMs'
    | 'agentWpm'
    | 'customerWpm'
  > = {
    talkAgentMs: null,
    talkCustomerMs: null,
    talkRatio: null,
    silenceMs: null,
    silenceRatio: null,
    longestSilenceMs: null,
    overtalkCount: null,
    overtalkMs: null,
    agentWpm: null,
    customerWpm: null,
  };
  if (isCall && duration > 0) {
    const talkAgentMs = total(agent);
    const talkCustomerMs = total(customer);
    const silenceMs = Math.max(0, duration - total(speech));
    let longest = 0;
    for (let i = 1; i < speech.length; i++) longest = Math.max(longest, speech[i][0] - speech[i - 1][1]);
    const overlaps = intersect(agent, customer).filter(([a, b]) => b - a >= MIN_OVERTALK_MS);
    const wpm = (words: number, ms: number) => (ms > 0 ? round((words * 60_000) / ms, 1) : null);
    speechPart = {
      talkAgentMs,
      talkCustomerMs,
      talkRatio: talkAgentMs + talkCustomerMs > 0 ? round(talkAgentMs / (talkAgentMs + talkCustomerMs)) : null,
      silenceMs,
      silenceRatio: round(silenceMs / duration),
      longestSilenceMs: longest,
      overtalkCount: overlaps.length,
      overtalkMs: total(overlaps),
      agentWpm: wpm(
        by('agent').reduce((n, u) => n + u.wordCount, 0),
        talkAgentMs,
      ),
      customerWpm: wpm(
        by('customer').reduce((n, u) => n + u.wordCount, 0),
        talkCustomerMs,
      ),
    };
  }
  const felt = by('customer')
    .map((u) => u.sentiment)
    .filter((s): s is number => s !== null);
  return {
    channel: conv.channel,
    handleMs: conv.durationMs,
    ...speechPart,
    holdMs: isCall ? conv.holdMs : null,
    agentWords: by('agent').reduce((n, u) => n + u.wordCount, 0),
    customerWords: by('customer').reduce((n, u) => n + u.wordCount, 0),
    sentimentStart: round(mean(felt.slice(0, SENTIMENT_TURNS))),
    sentimentEnd: round(mean(felt.slice(-SENTIMENT_TURNS))),
    sentimentMin: felt.length ? round(Math.min(...felt)) : null,
    escalated: conv.escalationLevel === 'escalate',
    intent: conv.intent,
    transfers: conv.transfers,
    repeatContact,
    outcome: verdict.outcome,
    policyId: verdict.policyId,
    policyVersion: verdict.policyVersion,
    score: verdict.outcome === 'inspected' ? verdict.score : null,
    passed: verdict.outcome === 'inspected' ? verdict.passed : null,
    fatalRules: verdict.rules.filter((r) => r.failed && r.fatal).map((r) => r.ruleId),
    failedRules: verdict.rules.filter((r) => r.failed).map((r) => r.ruleId),
  };
}
