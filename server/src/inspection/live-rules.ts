import { allRules, type Policy } from './qa-policy';
import { compilePhraseSet, hitTimes, Lexicon, type CompiledPhraseSet } from './match';
import { queueMatches } from './routing';
import { lexicalPhonetic } from './similarity';
import type { InspectUtterance } from './transcript';

/**
 * Rules evaluated while a call is in progress, from the policy that will inspect it afterwards:
 * - `required_missing`: a phrase the policy requires within the first N seconds has not been said by then (checked
 *   a few seconds after N, so the turn that says it can still be finished), or by the end of a shorter call;
 * - `forbidden_phrase`: a phrase the policy forbids was said;
 * - `long_silence`: nobody has spoken for longer than the policy's silence rule allows;
 * - `negative_sentiment`: the customer's last two turns read negative;
 * - `pii_read_out`: personal data was said (the types only; the caller masks the text).
 * Each alert is raised once (silence: once per pause). Pure: the caller gives the turns, the clock and the signals.
 */
export type LiveAlertKind =
  'required_missing' | 'forbidden_phrase' | 'long_silence' | 'negative_sentiment' | 'pii_read_out';

export interface LiveAlert {
  kind: LiveAlertKind;
  /** call time the alert is about, ms */
  atMs: number;
  ruleId?: string;
  title: string;
  fatal: boolean;
  speaker?: 'agent' | 'customer';
  /** PII types, for pii_read_out */
  types?: string[];
}

/** A finished turn as the live rules read it: masked tokens with times, sentiment for the customer's. */
export interface LiveTurn extends InspectUtterance {
  /** −1…1, for the customer's turns */
  sentiment?: number | null;
  /** the PII types found in this turn */
  piiTypes?: string[];
}

interface PhraseCheck {
  ruleId: string;
  title: string;
  fatal: boolean;
  speaker: 'agent' | 'customer' | 'any';
  set: CompiledPhraseSet;
  /** a forbidden phrase in a turn that also says one of `unless`, or none of `only_with`, is not alerted (as inspection) */
  unless?: CompiledPhraseSet;
  onlyWith?: CompiledPhraseSet;
  /** require present within this many ms; absent for forbidden phrases */
  withinMs?: number;
  said: boolean;
  alerted: boolean;
}

/** seconds past a deadline before a required phrase is called missing (the turn saying it may still be decoding) */
const DEADLINE_GRACE_MS = 3000;
const NEGATIVE = -0.25;

export class LiveRules {
  private readonly phrases: PhraseCheck[] = [];
  private readonly silence?: { ruleId: string; title: string; fatal: boolean; maxMs: number };
  private lastSpeechMs = 0;
  private silenceAlerted = false;
  private sentimentAlerted = false;
  private readonly customer: number[] = [];

  constructor(
    readonly policy: Policy | undefined,
    call: { queue: string | null } = { queue: null },
  ) {
    if (!policy) return;
    const lexicon = new Lexicon();
    for (const { rule } of allRules(policy.doc)) {
      // as inspection reads `when`: rules for other channels or queues do not apply; the intent, and what will be
      // said, are not known yet
      const w = rule.when;
      if (w?.channels && !w.channels.includes('call')) continue;
      // (a rule for a queue applies on that queue whatever is said; on another, only once it is said, which is not
      // known yet)
      if ((w?.queues && !queueMatches(w.queues, call.queue)) || w?.intents || (w?.said && !w.queues)) continue;
      if (rule.type === 'phrase' && !rule.before && !rule.within_last_s) {
        if (rule.require === 'present' && rule.within_first_s === undefined) continue;
        this.phrases.push({
          ruleId: rule.id,
          title: rule.title,
          fatal: rule.fatal,
          speaker: rule.speaker,
          set: compilePhraseSet(rule.match, lexicalPhonetic, lexicon),
          ...(rule.unless ? { unless: compilePhraseSet(rule.unless, lexicalPhonetic, lexicon) } : {}),
          ...(rule.only_with ? { onlyWith: compilePhraseSet(rule.only_with, lexicalPhonetic, lexicon) } : {}),
          ...(rule.require === 'present' ? { withinMs: rule.within_first_s! * 1000 } : {}),
          said: false,
          alerted: false,
        });
      } else if (rule.type === 'silence' && !this.silence)
        this.silence = { ruleId: rule.id, title: rule.title, fatal: rule.fatal, maxMs: rule.max_s * 1000 };
    }
  }

  /** Someone is speaking at this call time (a partial transcript moved on). */
  speech(atMs: number) {
    if (atMs > this.lastSpeechMs) {
      this.lastSpeechMs = atMs;
      this.silenceAlerted = false;
    }
  }

  /** A finished turn: alerts it raises. */
  turn(t: LiveTurn): LiveAlert[] {
    const out: LiveAlert[] = [];
    this.speech(t.endMs);
    const speaker = t.speaker === 'unknown' ? undefined : t.speaker;
    for (const p of this.phrases) {
      if (p.speaker !== 'any' && p.speaker !== t.speaker) continue;
      const hit = p.set.find(t);
      if (!hit || p.unless?.find(t) || (p.onlyWith && !p.onlyWith.find(t))) continue;
      const [at] = hitTimes(hit);
      if (p.withinMs !== undefined) {
        if (at <= p.withinMs) p.said = true;
      } else if (!p.alerted) {
        p.alerted = true;
        out.push({ kind: 'forbidden_phrase', atMs: at, ruleId: p.ruleId, title: p.title, fatal: p.fatal, speaker });
      }
    }
    if (t.piiTypes?.length)
      out.push({
        kind: 'pii_read_out',
        atMs: t.startMs,
        title: 'Personal data is being read out',
        fatal: false,
        speaker,
        types: [...new Set(t.piiTypes)].sort(),
      });
    if (t.speaker === 'customer' && typeof t.sentiment === 'number') {
      this.customer.push(t.sentiment);
      const last = this.customer.slice(-2);
      if (!this.sentimentAlerted && last.length === 2 && last.every((s) => s <= NEGATIVE)) {
        this.sentimentAlerted = true;
        out.push({
          kind: 'negative_sentiment',
          atMs: t.startMs,
          title: "The customer's sentiment has turned negative",
          fatal: false,
          speaker: 'customer',
        });
      }
    }
    return out;
  }

  /** The call's clock moved on (audio arrived up to `nowMs`): deadlines and silences. */
  tick(nowMs: number): LiveAlert[] {
    const out: LiveAlert[] = [];
    for (const p of this.phrases)
      if (p.withinMs !== undefined && !p.said && !p.alerted && nowMs >= p.withinMs + DEADLINE_GRACE_MS)
        out.push(this.missing(p));
    const s = this.silence;
    if (s && !this.silenceAlerted && nowMs - this.lastSpeechMs > s.maxMs) {
      this.silenceAlerted = true;
      out.push({
        kind: 'long_silence',
        atMs: this.lastSpeechMs,
        ruleId: s.ruleId,
        title: s.title,
        fatal: s.fatal,
      });
    }
    return out;
  }

  /** The call ended: required phrases never said in a call shorter than their deadline. */
  end(): LiveAlert[] {
    return this.phrases.filter((p) => p.withinMs !== undefined && !p.said && !p.alerted).map((p) => this.missing(p));
  }

  private missing(p: PhraseCheck): LiveAlert {
    p.alerted = true;
    return {
      kind: 'required_missing',
      atMs: p.withinMs!,
      ruleId: p.ruleId,
      title: p.title,
      fatal: p.fatal,
      ...(p.speaker === 'any' ? {} : { speaker: p.speaker }),
    };
  }
}
