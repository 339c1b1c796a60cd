import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../lib/canonical';
import { linearTimePattern } from '../lib/linear-regexp';
import { parseYamlText } from '../lib/yaml-file';
import { CHANNELS } from '../entities/conversation';
import { READINGS } from '../entities/utterance';
import { PolicyRouting, queueMatches, routedPolicyIds } from './routing';

/**
 * A QA policy pack: what every conversation it applies to is checked against. A pack is versioned; its content
 * hash (sha256 of the YAML text) goes into every verdict, so a verdict always says exactly which rules made it.
 */

const id = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,63}$/,
    'lower-case letters, digits, - and _ (up to 64 characters, starting with a letter)',
  );
const speaker = z.enum(['agent', 'customer', 'any']);

/** A policy's regular expression: valid, and checked to run in linear time before a policy can be activated. */
const pattern = z
  .string()
  .max(1000)
  .refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression')
  // one crafted transcript must not stall inspection
  .refine(
    (p) => linearTimePattern(p),
    'must run in linear time: no backreferences (\\1), lookahead or lookbehind ((?=, (?!, (?<=, (?<!)',
  );

/** Ways to recognise a phrase. At least one is required. */
export const phraseSetSchema = z
  .object({
    /** literal phrases, matched as whole words on the normalised transcript (case and punctuation ignored) */
    keywords: z.array(z.string().trim().min(1)).optional(),
    /** regular expressions over the normalised transcript (lower case, words separated by one space) */
    patterns: z.array(pattern).optional(),
    /**
     * the patterns also read each sentence of a typed message on its own, so `^` and `$` hold at a sentence's start and
     * end ("你自己去问呗。我们这儿不管。": 呗 ends a sentence, not the message); a call's segment is one sentence
     */
    by_sentence: z.boolean().optional(),
    /**
     * regular expressions that match only in a turn the tone signal reads as negative: the way to say "a refusal said
     * coldly" ("No. Fixed means fixed.") without listing every cold sentence, while the same words said kindly
     * ("no, I'm afraid not, but here is what I can do") do not match
     */
    negative_with: z.array(pattern).optional(),
    /**
     * a turn the tone signal read as the agent's attitude — blame, a brush-off, impatience, talking down, a refusal
     * with no redress (the tone signal's readings, recorded with the models) — matches whole: a dismissive-language rule
     * reads what the tone signal knows instead of repeating its lists
     */
    attitude: z.boolean().optional(),
    /**
     * an agent reply the reply models (trained on QA analysts' labels of phrase rules) read as one of these —
     * `promise` (of returns or of no risk), `political` (a view), `refusal` (a Mandarin refusal of responsibility) —
     * matches whole, beside the phrases listed
     */
    read_as: z.array(z.enum(READINGS)).min(1).optional(),
    /** example sentences: an utterance that says nearly the same (word order, fillers, recognition errors) matches */
    similar: z.array(z.string().trim().min(1)).optional(),
    /** similarity an utterance needs to match an example (0–1) */
    threshold: z.number().min(0.5).max(1).default(0.8),
  })
  .strict()
  .refine(
    (m) =>
      (m.keywords?.length ?? 0) +
        (m.patterns?.length ?? 0) +
        (m.negative_with?.length ?? 0) +
        (m.similar?.length ?? 0) +
        (m.attitude ? 1 : 0) +
        (m.read_as?.length ?? 0) >
      0,
    'give keywords, patterns or similar phrases',
  );
export type PhraseSet = z.infer<typeof phraseSetSchema>;

const when = z
  .object({
    channels: z.array(z.enum(CHANNELS)).min(1).optional(),
    /** queue names; `*` at the end matches a prefix */
    queues: z.array(z.string().min(1)).min(1).optional(),
    /** the conversation's intent (from the understanding stage) must be one of these */
    intents: z.array(z.string().min(1)).min(1).optional(),
    /**
     * or `speaker` says one of these: a rule for lost cards applies where the customer says "my card was stolen"
     * even when the intent model read the opening request as something else ("I left my card in a shop and when I
     * went back it was gone" read as a declined payment); a complaint rule applies where the caller says they are
     * complaining on a line that is not the complaints queue. With `intents` or `queues` either is enough; alone it
     * decides.
     */
    said: z.object({ speaker, match: phraseSetSchema }).strict().optional(),
  })
  .strict();

const base = {
  id,
  title: z.string().min(3).max(200),
  weight: z.number().positive().max(100).default(1),
  /** a failed fatal rule fails the whole verdict, whatever the score */
  fatal: z.boolean().default(false),
  when: when.optional(),
};

const phraseRule = z
  .object({
    ...base,
    type: z.literal('phrase'),
    speaker,
    match: phraseSetSchema,
    /** present: must be said (optionally within a window or before an anchor); absent: must never be said */
    require: z.enum(['present', 'absent']),
    within_first_s: z.number().positive().optional(),
    within_last_s: z.number().positive().optional(),
    /**
     * the phrase must come before the first time the anchor is said (not applicable if the anchor never is). In the
     * anchor's own typed turn it counts in the same sentence or an earlier one; in a later sentence only when that
     * sentence says one of `ahead` ("I'll lock it now. First, what's your date of birth?")
     */
    before: z
      .object({ speaker, match: phraseSetSchema, ahead: z.array(z.string().min(1)).min(1).optional() })
      .strict()
      .optional(),
    /**
     * an utterance that also says one of these does not count: a warning that names the phrase ("never share your
     * security code with anyone, including us") is not asking for it
     */
    unless: phraseSetSchema.optional(),
    /**
     * `unless` is read in every utterance of the rule's speaker, not only in the one that says the phrase: one that says
     * it anywhere in the conversation clears the rule (a Mandarin agent who takes the caller's case at any point — a
     * work-order number read, the case registered or passed on — has not refused it)
     */
    unless_anywhere: z.boolean().optional(),
    /**
     * an utterance counts only if it also says one of these: a request's cue ("read me", "I'll need", "and the …",
     * "please") for a rule against asking for something, so an explanation or a warning in words no `unless` lists
     * ("if a caller wants the numbers off the back of your card, that's a scam") is not read as asking
     */
    only_with: phraseSetSchema.optional(),
    /**
     * a turn among the speaker's last three that repeats at least this many distinct content words the speaker said in
     * earlier turns counts as said: a recap in words no list has (`./restates.ts`). English; only with require: present
     */
    restates: z.number().int().min(2).max(10).optional(),
    /**
     * a view given where one was asked for: a turn of the speaker that answers the other party's turn matching
     * `after` ("who should I vote for?", "is the mayor any good?") and that the tone signal reads as clearly for or
     * against something (|sentiment| at least `min_strength`) counts as said, in whatever words — an opinion no list
     * of phrases has ("God, I hope not, they'd be a disaster."), or that says one of `stance` (a verdict said of the
     * subject, "she's brilliant", "it's a total con": the sentiment model, trained on reviews, reads those at 0.4–0.7,
     * not as sure as a review). Without `min_strength` only `stance` counts; one of the two is required.
     */
    opinion: z
      .object({
        after: phraseSetSchema,
        min_strength: z.number().min(0.1).max(1).optional(),
        stance: phraseSetSchema.optional(),
      })
      .strict()
      .refine((o) => o.min_strength !== undefined || o.stance !== undefined, 'needs min_strength, stance or both')
      .optional(),
    /**
     * a turn of the speaker that the other party objects to in any utterance of their next turn ("that's uncalled for",
     * "don't talk to me like that", "there's no need to be rude"; a call's second segment, a chat's second message)
     * counts as said where the tone signal reads that turn as negative: the caller names the insult, whatever words it
     * was in. The speaker's turn is the run of their utterances just before the objecting turn; a turn the tone signal
     * reads as neutral or positive is not counted, so an objection to a polite answer ("don't patronise me") does not
     * fail the agent
     */
    objected_to: phraseSetSchema.optional(),
  })
  .strict();

const silenceRule = z
  .object({
    ...base,
    type: z.literal('silence'),
    /** longest allowed pause in which nobody speaks */
    max_s: z.number().positive(),
    /** pauses right after the agent announced a hold are judged by the hold rule instead */
    except_after: phraseSetSchema.optional(),
  })
  .strict();

const holdRule = z
  .object({ ...base, type: z.literal('hold'), announce: phraseSetSchema, max_s: z.number().positive() })
  .strict();

const overtalkRule = z
  .object({
    ...base,
    type: z.literal('overtalk'),
    /** both parties speaking for at least this long counts as one over-talk */
    min_ms: z.number().int().positive(),
    /** how many over-talks are tolerated */
    max_count: z.number().int().min(0).default(0),
  })
  .strict();

const interruptionRule = z
  .object({
    ...base,
    type: z.literal('interruption'),
    /** who must not interrupt */
    speaker: z.enum(['agent', 'customer']),
    /** starting to speak while the other party has been speaking and keeps speaking for at least this long */
    min_overlap_ms: z.number().int().positive(),
    max_count: z.number().int().min(0).default(0),
  })
  .strict();

const speechRateRule = z
  .object({
    ...base,
    type: z.literal('speech_rate'),
    speaker: z.enum(['agent', 'customer']),
    min_wpm: z.number().positive().optional(),
    max_wpm: z.number().positive().optional(),
    /** below this many words the rate is not judged */
    min_words: z.number().int().positive().default(20),
  })
  .strict()
  .refine((r) => r.min_wpm !== undefined || r.max_wpm !== undefined, 'give min_wpm, max_wpm or both');

const talkRatioRule = z
  .object({
    ...base,
    type: z.literal('talk_ratio'),
    speaker: z.enum(['agent', 'customer']),
    /** share of all talk time, 0–1 */
    min: z.number().min(0).max(1).optional(),
    max: z.number().min(0).max(1).optional(),
  })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both');

const sentimentRule = z
  .object({
    ...base,
    type: z.literal('sentiment'),
    speaker: z.enum(['agent', 'customer']),
    /** falling: the last third is lower than the first by `drop`; ends_negative: the last utterances are negative; any_negative: any utterance is */
    condition: z.enum(['falling', 'ends_negative', 'any_negative']),
    drop: z.number().positive().max(2).default(0.5),
    /**
     * falling only: the last third must also end below this ("ends_below: 0": the mood falls into the negative; from
     * delighted to a plain "ok" is no fall). Absent: any drop of `drop` counts.
     */
    ends_below: z.number().min(-1).max(1).optional(),
  })
  .strict();

const piiRule = z
  .object({
    ...base,
    type: z.literal('pii'),
    speaker,
    /** the PII types (as the masking policy names them) that this speaker must not say */
    types: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const ruleSchema = z.discriminatedUnion('type', [
  phraseRule,
  silenceRule,
  holdRule,
  overtalkRule,
  interruptionRule,
  speechRateRule,
  talkRatioRule,
  sentimentRule,
  piiRule,
]);
export type Rule = z.infer<typeof ruleSchema>;
export type RuleType = Rule['type'];

const section = z
  .object({
    id,
    title: z.string().min(3).max(200),
    weight: z.number().positive().max(100).default(1),
    rules: z.array(ruleSchema).min(1),
  })
  .strict();

export const policySchema = z
  .object({
    id,
    version: z.number().int().positive().max(2_147_483_647),
    title: z.string().min(3).max(200),
    language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'a language tag such as en or en-GB'),
    description: z.string().optional(),
    applies: z
      .object({ channels: z.array(z.enum(CHANNELS)).min(1), queues: z.array(z.string().min(1)).min(1).default(['*']) })
      .strict(),
    /** a call shorter than this is not inspected (stated as the reason) */
    min_duration_s: z.number().min(0).default(0),
    /** score (0–100) needed to pass, when no fatal rule failed */
    pass_score: z.number().min(0).max(100),
    sections: z.array(section).min(1),
  })
  .strict();
export type PolicyDoc = z.infer<typeof policySchema>;

export interface Policy {
  doc: PolicyDoc;
  /** sha256 of the YAML text */
  hash: string;
  source: string;
}

/** Checks that the schema alone cannot: unique rule ids, sane bounds. The path points at the offending field. */
function crossCheck(p: PolicyDoc): { path: Array<string | number>; message: string } | undefined {
  const seen = new Set<string>();
  for (const [si, s] of p.sections.entries()) {
    for (const [ri, r] of s.rules.entries()) {
      if (seen.has(r.id))
        return { path: ['sections', si, 'rules', ri, 'id'], message: `rule id "${r.id}" is used twice` };
      seen.add(r.id);
      if (r.type === 'speech_rate' && r.min_wpm !== undefined && r.max_wpm !== undefined && r.min_wpm >= r.max_wpm)
        return { path: ['sections', si, 'rules', ri, 'min_wpm'], message: 'min_wpm must be below max_wpm' };
      if (r.type === 'talk_ratio' && r.min !== undefined && r.max !== undefined && r.min >= r.max)
        return { path: ['sections', si, 'rules', ri, 'min'], message: 'min must be below max' };
      if (r.type === 'phrase' && r.require === 'absent' && (r.within_first_s || r.within_last_s || r.before))
        return {
          path: ['sections', si, 'rules', ri, 'require'],
          message: 'a phrase that must be absent cannot have a time window or an anchor',
        };
      if (r.type === 'phrase' && r.require === 'absent' && r.restates)
        return {
          path: ['sections', si, 'rules', ri, 'restates'],
          message: 'restates says what counts as said: only for a phrase that must be present',
        };
    }
  }
  return undefined;
}

/** Parses and validates a policy; errors are YamlFileError with `name:line:col: field: problem`. */
export function parsePolicy(source: string, name = 'policy.yaml'): Policy {
  const doc = parseYamlText(source, name, policySchema, crossCheck);
  return { doc, hash: sha256Hex(source), source };
}

export function loadPolicyFile(file: string): Policy {
  return parsePolicy(fs.readFileSync(file, 'utf8'), file);
}

/** Every pack (`*.yaml`, `*.yml`) in a folder, in the order the folder lists them: the shipped packs a worker imports. */
export function loadPolicyDir(dir: string): Policy[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => loadPolicyFile(path.join(dir, f)));
}

export function allRules(p: PolicyDoc): Array<{ section: PolicyDoc['sections'][number]; rule: Rule }> {
  return p.sections.flatMap((section) => section.rules.map((rule) => ({ section, rule })));
}

/**
 * Which of the active policies applies. With a routing (policies/routing.yaml), the first pack it names for the
 * conversation that is active for its language and channel; otherwise the most specific queue match among the packs
 * for the channel and language (exact name over prefix over `*`); ties go to the lower policy id, so the choice is
 * deterministic.
 */
export function selectPolicy(
  active: Policy[],
  c: { channel: string; queue: string | null; language: string; teamId?: string | null },
  routing?: PolicyRouting,
): Policy | undefined {
  const fits = (p: Policy) =>
    p.doc.applies.channels.includes(c.channel as never) && p.doc.language.slice(0, 2) === c.language.slice(0, 2);
  for (const id of routing ? routedPolicyIds(routing, c) : []) {
    const p = active.find((x) => x.doc.id === id && fits(x));
    if (p) return p;
  }
  let best: { p: Policy; score: number } | undefined;
  for (const p of active) {
    if (!fits(p)) continue;
    const score = queueMatches(p.doc.applies.queues, c.queue);
    if (!score) continue;
    if (!best || score > best.score || (score === best.score && p.doc.id < best.p.doc.id)) best = { p, score };
  }
  return best?.p;
}

/**
 * The phrases the policies listen for (the keywords of phrase rules, English policies only, calls only): what the
 * speech engine is biased towards, so a required disclosure or a forbidden request is heard where it was said.
 */
export function policyPhrases(policies: Policy[]): string[] {
  const out = new Set<string>();
  for (const p of policies) {
    if (!p.doc.language.startsWith('en') || !p.doc.applies.channels.includes('call')) continue;
    for (const { rule } of allRules(p.doc))
      if (rule.type === 'phrase') for (const k of rule.match.keywords ?? []) out.add(k.toLowerCase());
  }
  return [...out].sort();
}
