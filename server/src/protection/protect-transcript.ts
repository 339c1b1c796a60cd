import type { KeyphraseTiming, PiiMark, WordTiming } from '../entities/utterance';
import type { TranscribedUtterance } from '../speech/transcribe';
import type { IndexedColumn } from './blind-index';
import { detectPii, PiiFinding, PiiType } from './pii/detect';
import { luhnValid } from './pii/checksums';
import { findDates } from './pii/dates';
import { digitRuns, tokenize } from './pii/numbers';
import { askedFor, BACKCHANNEL, OPTIONAL_PROMPTS, PromptKind, READ_BACK, RE_ASK } from './pii/prompts';
import { MaskingPolicy, maskText, optionalTypes, REDACTED } from './pii/mask';

/**
 * Sensitive authentication data: kept in no form at all, not even in the encrypted original (PCI DSS 3.3.1); with it,
 * digits read out on a call that nothing explains (they may be a misheard CVV or PIN).
 */
export const SAD_TYPES: ReadonlySet<string> = new Set(['cvv', 'pin', 'otp', 'digit_string']);
const ASKED_SAD: PromptKind[] = ['cvv', 'pin', 'otp'];
/**
 * Positions of a secret asked for ("the first and third digits of your code", "the 2nd, 4th and 6th characters"): a
 * PIN or passcode checked in part. No one checks a one-time code in part, so such a question awaits no code: its answer
 * ("the first is two and the third is eight") closes it, and a later "a payment of two hundred and twelve" is no code.
 */
const ORD = '(first|second|third|fourth|forth|fifth|sixth|seventh|eighth|last|1st|2nd|3rd|4th|5th|6th|7th|8th)';
const IN_PART = new RegExp(
  `\\b${ORD}((,| and| then| &)( the)? ${ORD})*\\s+(digits?|characters?|letters?|numbers?)\\b`,
  'i',
);
/** the customer's own details ("what number do you have for me?", "is my email on file?") */
const OWN = /\b(my|me|mine|on (file|record)|you have)\b/i;
/** An answer on a call to a question for personal data, this short, is protected whole (fail closed). */
const SHORT_ANSWER_WORDS = 8;
/** "j o h n dot smith at gmail dot com": an e-mail address spelt out, up to this many words */
const EMAIL_ANSWER_WORDS = 16;
/** share of an answer's words inside digit runs above which it is a number read out, however long */
const DIGIT_DENSE = 0.6;
const SHORT_ANSWER_ORDER: PromptKind[] = [
  'card_number',
  'date_of_birth',
  'expiry_date',
  'bank_account',
  'us_ssn',
  'phone',
];
/** A turn that asks, whatever digits it also carries ("the card starting 411111: what is the security code?"). */
const QUESTION =
  /\?|\b(what|what'?s|which|can you|could you|may i|please (give|tell|read|confirm|type|enter|reply)|tell me|give me|read me|confirm)\b/i;
/** what a recogniser writes for a digit it half heard (only next to a long run of digits, see below) */
const SOUNDS_LIKE_DIGIT =
  /^(for|fore|fours?|force|to|too|won|hon|ate|aid|eat|oath|of|owe|or|ho|free|tree|sex|sick|fife|nein|nigh|night|tin|oh|o)$/;
/** "double", "triple" before a digit said twice or three times */
const REPEAT = /^(double|triple|treble)$/;
/** words around digits read out that say nothing themselves */
const FILLER =
  /^(yes|yeah|yep|yup|it|its|it's|is|that|that's|thats|my|the|number|um|uh|er|erm|so|okay|ok|and|sure|right|well|then)$/i;
/** the endings of an address as said and as a recogniser hears them ("dot com", "dot calm", "dark con", "dot co dot uk") */
const ADDRESS_END = /^(com|con|calm|comb|come|co|code|uk|net|org|gov|edu|io|ie|cn)$/;
/** "dot" as a recogniser hears it before an ending ("dark con", "dart con", "doc com") */
const DOT_LIKE = /^(dot|dark|dart|doc|dock|dog|dodd|dott|thought)$/;
/**
 * An e-mail address said aloud: "dot" (not "on the dot", "a dot") with "at" or an address ending; or "at" with a
 * word like "dot" right before an ending ("gen dr walsky at me or dark con").
 */
function spokenAddress(said: string[]): boolean {
  // "u k" said letter by letter is the ending "uk" ("male dot u k")
  const words = said
    .join(' ')
    .replace(/\bu k\b/g, 'uk')
    .split(' ');
  const dot = words.some((w, k) => w === 'dot' && !/^(the|a|polka)$/.test(words[k - 1] ?? ''));
  const at = words.includes('at');
  const ending = words.some((w, k) => k > 0 && DOT_LIKE.test(words[k - 1]) && ADDRESS_END.test(w));
  return (dot && (at || words.some((w) => ADDRESS_END.test(w)))) || (at && ending);
}
/** A whole card number: 13–19 digits passing Luhn. */
const wholeCard = (v: string) => /^\d{13,19}$/.test(v) && luhnValid(v);
const MONTH = /\b(january|february|march|april|may|june|july|august|september|october|november|december)\b/i;

/** What a detector found that is worth a blind-index row (exact lookups by identifier). */
const INDEXED: Partial<Record<PiiType, IndexedColumn>> = {
  phone: 'phone',
  cn_resident_id: 'cn_resident_id',
  bank_account: 'bank_account',
  email: 'email',
  iban: 'bank_account',
};

export interface PlainUtterance {
  speaker: string;
  startMs: number;
  endMs: number;
  text: string;
  /** word timings on the conversation clock (calls); empty for text channels */
  words: WordTiming[];
  keyphrases: KeyphraseTiming[];
  confidence: number | null;
}

/** What the recogniser gave, in the shape protection reads (word and keyphrase timings on the conversation clock). */
export function fromRecognised(u: TranscribedUtterance): PlainUtterance {
  return {
    speaker: u.speaker,
    startMs: u.startMs,
    endMs: u.endMs,
    text: u.text,
    words: u.words.map((w) => ({ w: w.word, s: w.startMs, e: w.endMs, c: w.confidence })),
    keyphrases: u.keyphrases.map((k) => ({ p: k.phrase, s: k.startMs, e: k.endMs, c: k.confidence })),
    confidence: u.confidence,
  };
}

export interface ProtectedUtterance {
  speaker: string;
  startMs: number;
  endMs: number;
  confidence: number | null;
  keyphrases: KeyphraseTiming[];
  wordCount: number;
  /** for ordinary views */
  masked: { text: string; words: WordTiming[] };
  /** for unmask with a reason: sensitive authentication data already removed */
  original: { text: string; words: WordTiming[] };
  pii: PiiMark[];
}

export interface ProtectedTranscript {
  utterances: ProtectedUtterance[];
  /** identifiers for blind-index rows (values stay in memory; only their keyed digests are stored) */
  identifiers: Array<{ kind: IndexedColumn; value: string }>;
  counts: Partial<Record<PiiType, number>>;
}

interface Piece {
  u: number;
  f: PiiFinding;
  /** first piece of a finding that runs across utterances */
  first: boolean;
}

/**
 * How long a question for personal data stays open for the answer (the other party's turns): a minute on a call; on
 * text channels an hour (an SMS reply may come much later).
 */
const EXPECT_MS = 60_000;
const TEXT_EXPECT_MS = 3_600_000;
const EXPECT_TURNS = 4;
/** Utterances of one speaker further apart than this are not read as one number. */
const JOIN_GAP_MS = 20_000;
/** A pause shorter than this within one speaker's speech is one turn (a recogniser's segments of one sentence). */
const SAME_TURN_GAP_MS = 1500;

/**
 * What each utterance is expected to carry, from the conversation in time order: a question for a security code,
 * PIN, one-time code, date of birth, card number… by one party opens an expectation on the other party's next turns
 * (up to EXPECT_TURNS, EXPECT_MS). The asker's next turn ends it, unless it is a listening noise ("mm-hm", "go on")
 * or asks again ("sorry, could you repeat that"); reading the answer back ("let me read that back") puts the reader's
 * own turn under it too.
 */
export function expectations(
  utterances: Array<Pick<PlainUtterance, 'speaker' | 'startMs' | 'text'> & { keyphrases?: Array<{ p: string }> }>,
  opts: { text?: boolean; optional?: ReadonlySet<string> } = {},
): Array<Set<PromptKind>> {
  const limit = opts.text ? TEXT_EXPECT_MS : EXPECT_MS;
  const out = utterances.map(() => new Set<PromptKind>());
  const order = utterances.map((_, i) => i).sort((a, b) => utterances[a].startMs - utterances[b].startMs || a - b);
  let open:
    | { by: string; kinds: PromptKind[]; at: number; turns: number; codeGiven?: boolean; digitsGiven?: boolean }
    | undefined;
  const lastAsked = new Map<string, PromptKind[]>();
  for (const i of order) {
    const u = utterances[i];
    if (open && (u.startMs - open.at > limit || open.turns >= EXPECT_TURNS)) open = undefined;
    const tokens = tokenize(u.text);
    const runs = digitRuns(tokens, u.text);
    if (open && open.by !== u.speaker) {
      for (const k of open.kinds) out[i].add(k);
      open.turns++;
      if (runs.some((r) => r.digits.length >= 4 && r.digits.length <= 10)) open.codeGiven = true;
      if (runs.length) open.digitsGiven = true;
    }
    // what the recogniser wrote, and the phrases keyphrase search heard (a question it misheard may still be spotted)
    // a turn that gives a value ("my account number is 31926819") states, it does not ask ("the code we sent to the
    // phone ending 0143" still asks)
    const states = runs.some((r) => r.digits.length >= 6) && !QUESTION.test(u.text);
    // a customer who names a secret without asking for it ("I need a new PIN sent out") asks the agent for nothing:
    // the agent's reply ("it'll arrive in 5 days") is not a PIN
    const asks = (
      states
        ? []
        : askedFor(
            u.text,
            (u.keyphrases ?? []).map((k) => k.p),
          )
    )
      .filter((k) => u.speaker === 'agent' || !ASKED_SAD.includes(k) || QUESTION.test(u.text))
      // a customer asking for the fraud team's number or the bank's e-mail asks for no one's personal data; "what
      // number do you have for me?" does
      .filter((k) => u.speaker === 'agent' || (k !== 'phone' && k !== 'email') || OWN.test(u.text))
      // a turn that gives its own date of birth ("I was born on 1985-07-19 … can I do that online?") asks for none:
      // the reply's "the limit is £20,000" is no birth date
      .filter((k) => k !== 'date_of_birth' || !findDates(u.text, tokens).length)
      .filter((k, _, all) => k !== 'otp' || !all.includes('pin') || !IN_PART.test(u.text));
    for (const [kind, re] of Object.entries(OPTIONAL_PROMPTS) as Array<[keyof typeof OPTIONAL_PROMPTS, RegExp]>)
      if (opts.optional?.has(kind) && !states && re.test(u.text)) asks.push(kind);
    if (asks.length) {
      open = { by: u.speaker, kinds: asks, at: u.startMs, turns: 0 };
      lastAsked.set(u.speaker, asks);
    } else if (open && open.by === u.speaker) {
      if (READ_BACK.test(u.text)) for (const k of open.kinds) out[i].add(k);
      // a one-time code is awaited until it is given: "Which number should we text the code to?" — "07700 900461" —
      // "Done, it's on its way." — "got it: 55 80 12"; so are a PIN's or security code's digits until any digit is
      // given: "Which characters of your passcode does the app ask for?" — "2nd, 4th and 6th" — "Please type them
      // here." — "3, 9, 1" (the turn and time limits still end it)
      if (!BACKCHANNEL.test(u.text) && !RE_ASK.test(u.text)) {
        const { codeGiven, digitsGiven } = open;
        const awaited = open.kinds.filter((k) => ASKED_SAD.includes(k) && !(k === 'otp' ? codeGiven : digitsGiven));
        open = awaited.length ? { ...open, kinds: awaited } : undefined;
      } else open.turns = 0;
    } else if (READ_BACK.test(u.text)) {
      for (const k of lastAsked.get(u.speaker) ?? []) out[i].add(k);
    }
  }
  return out;
}

/**
 * Finds personal data in a whole conversation and produces, per utterance, the masked copy, the original without
 * sensitive authentication data, and where the data was (types and spans, never values). Detection runs over each
 * speaker's utterances joined in order, so a card number read out over two utterances is still one card number, and
 * under what the other party asked for (expectations), so "482" after "what's the security code?" is a CVV.
 */
export function protectTranscript(utterances: PlainUtterance[], policy: MaskingPolicy): ProtectedTranscript {
  const pieces: Piece[] = [];
  const identifiers: ProtectedTranscript['identifiers'] = [];
  const counts: ProtectedTranscript['counts'] = {};
  const optional = optionalTypes(policy);
  const expected = expectations(utterances, {
    text: !utterances.some((u) => u.words.length > 0),
    optional,
  });
  const bySpeaker = new Map<string, number[]>();
  const order = utterances.map((_, i) => i).sort((a, b) => utterances[a].startMs - utterances[b].startMs || a - b);
  const rank = new Map(order.map((i, r) => [i, r]));
  for (const i of order) bySpeaker.set(utterances[i].speaker, [...(bySpeaker.get(utterances[i].speaker) ?? []), i]);
  for (const idx of bySpeaker.values()) {
    const offsets: number[] = [];
    let joined = '';
    idx.forEach((i, k) => {
      // between one speaker's utterances: a new line where they only paused (a recogniser's segments of one
      // sentence: the label before still counts), a blank line where the other party spoke or the pause was longer,
      // and ";" after a long pause (their digits are not one number)
      if (k > 0) {
        const gap = utterances[i].startMs - utterances[idx[k - 1]].endMs;
        // in time order, anything between two of one speaker's utterances is another party's
        const between = rank.get(i)! - rank.get(idx[k - 1])! > 1;
        if (gap > JOIN_GAP_MS) joined += ';\n';
        else if (between || gap > SAME_TURN_GAP_MS) joined += '\n';
      }
      offsets.push(joined.length);
      joined += utterances[i].text + '\n';
    });
    const at = (pos: number) => {
      let k = 0;
      while (k + 1 < offsets.length && offsets[k + 1] <= pos) k++;
      return expected[idx[k]];
    };
    const speech = idx.some((i) => utterances[i].words.length > 0);
    const caller = utterances[idx[0]].speaker !== 'agent';
    for (const f of detectPii(joined, { expected: at, digitStrings: speech && caller, speech, optional })) {
      counts[f.type] = (counts[f.type] ?? 0) + 1;
      const kind = INDEXED[f.type];
      if (kind) identifiers.push({ kind, value: f.value });
      let first = true;
      idx.forEach((ui, k) => {
        const a = offsets[k];
        const b = a + utterances[ui].text.length;
        if (f.start < b && f.end > a) {
          pieces.push({ u: ui, f: { ...f, start: Math.max(f.start, a) - a, end: Math.min(f.end, b) - a }, first });
          first = false;
        }
      });
    }
  }

  // a short spoken answer to a question for personal data: the recogniser may have turned the digits into words
  // ("eight eight one" → "they paid one", "third of march" → "heard of march"), so the whole answer is protected as
  // what was asked — for a CVV, PIN or one-time code even with no number in it; for the rest when a number or a
  // month is in it. A longer answer too when it is mostly digits (a card number read out with a few digits misheard
  // as words: "five oath four three oh nine o've made four nine …" is one number, not three)
  utterances.forEach((u, i) => {
    if (!u.words.length) return;
    const toks = tokenize(u.text);
    const runs = digitRuns(toks, u.text);
    const tokensIn = (rs: typeof runs) => rs.reduce((n, r) => n + r.lastTok - r.firstTok + 1, 0);
    const digitsIn = (rs: typeof runs) => rs.reduce((n, r) => n + r.digits.length, 0);
    const inRun = (k: number) => runs.some((r) => k >= r.firstTok && k <= r.lastTok);
    // the utterance protected whole as one finding of `type`, in place of what was found in it (counted once: a value
    // of that type already found in it is the same value)
    const protectWhole = (type: PiiType) => {
      if (!pieces.some((p) => p.u === i && p.f.type === type)) counts[type] = (counts[type] ?? 0) + 1;
      for (let k = pieces.length - 1; k >= 0; k--) if (pieces[k].u === i) pieces.splice(k, 1);
      pieces.push({ u: i, f: { type, start: 0, end: u.text.length, value: '' }, first: true });
    };
    // the start of a long number a caller reads out, heard as words that sound like digits ("for oath force of aid
    // four or five one two three four nine eight"): the words right before a run of six digits or more that sound
    // like digits go with it
    if (u.speaker !== 'agent')
      for (const r of runs) {
        if (!r.spoken || r.digits.length < 6) continue;
        // one or two short words between them that sound like nothing ("o two o's of in nine four six …" for "oh two
        // oh seven nine four six …") do not end the number; a filler ("is", "number") does
        let first = r.firstTok;
        let gap = 0;
        for (let k = r.firstTok - 1; k >= 0; k--) {
          const w = toks[k].w;
          if (SOUNDS_LIKE_DIGIT.test(w) || inRun(k)) {
            first = k;
            gap = 0;
          } else if (!FILLER.test(w) && w.length <= 4 && gap < 2) gap++;
          else break;
        }
        if (first === r.firstTok) continue;
        const start = toks[first].start;
        for (let n = pieces.length - 1; n >= 0; n--)
          if (pieces[n].u === i && pieces[n].f.start < r.start && pieces[n].f.end > start) pieces.splice(n, 1);
        counts.digit_string = (counts.digit_string ?? 0) + 1;
        pieces.push({ u: i, f: { type: 'digit_string', start, end: r.start, value: '' }, first: true });
      }
    // an e-mail address spelt out after a question the recogniser misheard ("and in a male dress" … "he does charmy
    // had not male dot code u k"): a caller's "dot" (not "on the dot") with "at" or an ending like "com", "co uk"
    // (never in place of a secret: a CVV, PIN or one-time code asked for or found is removed, not typed as an address)
    const sad = ASKED_SAD.find((k) => expected[i].has(k));
    const secret = !!sad || pieces.some((p) => p.u === i && SAD_TYPES.has(p.f.type));
    if (u.speaker !== 'agent' && !secret && !expected[i].has('email') && spokenAddress(toks.map((t) => t.w))) {
      protectWhole('email');
      return;
    }
    if (!expected[i].size) {
      // a caller's utterance that is mostly digits read out one by one, with no question heard before it: the
      // question may have been misheard ("the first and third edges of yorkin" … "seven and two"), so it is removed
      // whole as a digit string (fail closed); amounts and times are said as compounds and stay
      const oneByOne = runs.filter((r) => r.spoken && !r.compound);
      // or nothing but numbers said in pairs, five digits and more ("twenty forty one oh two": a sort code); amounts
      // and years have "hundred", "thousand" or fewer digits
      const pairs =
        digitsIn(runs) >= 5 &&
        !toks.some((t) => /^(hundred|thousand|million|billion)s?$/.test(t.w)) &&
        toks.every((t, k) => inRun(k) || FILLER.test(t.w));
      const dense = digitsIn(oneByOne) >= 2 && tokensIn(oneByOne) >= DIGIT_DENSE * toks.length;
      if (u.speaker === 'agent' || (!dense && !pairs)) return;
      const mine = pieces.filter((p) => p.u === i);
      // what was found in it keeps its type (a card number stated with its label); a whole card number is kept as found
      if (mine.some((p) => p.f.type === 'card_number' && wholeCard(p.f.value))) return;
      if (mine.length && mine.every((p) => p.f.start === 0 && p.f.end === u.text.length)) return;
      // digits found with nothing but filler around them ("yes it is …") keep their precise finding; words that are
      // not ("for oath force of aid four or five …") may be digits misheard, and the whole utterance goes
      if (mine.length && toks.every((t, k) => inRun(k) || FILLER.test(t.w))) return;
      protectWhole(mine.find((p) => p.f.type !== 'digit_string')?.f.type ?? 'digit_string');
      return;
    }
    // an e-mail address spelt out, which a recogniser garbles ("john dot smith that may or dark calm"): the answer to a
    // question for one that has "dot" or "at" in it is protected whole
    if (
      !secret &&
      expected[i].has('email') &&
      toks.length <= EMAIL_ANSWER_WORDS &&
      toks.some((t) => /^(dot|at|underscore)$/.test(t.w))
    ) {
      protectWhole('email');
      return;
    }
    if (u.words.length > SHORT_ANSWER_WORDS) {
      // digits, and words that sound like them or say them twice ("of seven seven bubble of nine double hon two three"
      // for "oh seven seven double oh nine double oh one two three")
      const digitLike = toks.filter((t, k) => inRun(k) || SOUNDS_LIKE_DIGIT.test(t.w) || REPEAT.test(t.w)).length;
      if (digitsIn(runs) < 2 || digitLike < DIGIT_DENSE * toks.length) return;
      // a long answer in which a whole card number was found (13–19 digits passing Luhn) keeps its findings: the
      // masked view shows what the policy lets it show. Anything less certain is protected whole (fail closed).
      if (pieces.some((p) => p.u === i && p.f.type === 'card_number' && wholeCard(p.f.value))) return;
    }
    const numeric = runs.length > 0 || MONTH.test(u.text);
    let kind = sad ?? (numeric ? SHORT_ANSWER_ORDER.find((k) => expected[i].has(k)) : undefined);
    // "and the expiry date on the card?" asks for the expiry, not the card: an answer too short to be a card number
    // ("november it's twenty eight") is the expiry
    if (kind === 'card_number' && expected[i].has('expiry_date') && digitsIn(runs) < 12) kind = 'expiry_date';
    // even where the asked value was found in it: a recogniser that heard part of it may have missed the rest
    if (!kind) return;
    protectWhole(kind);
  });

  const out = utterances.map((u, i): ProtectedUtterance => {
    const mine = pieces.filter((p) => p.u === i).sort((x, y) => x.f.start - y.f.start);
    // continuation pieces of a finding are masked on their own, with no digits kept
    const findings = mine.map((p) =>
      p.first || SAD_TYPES.has(p.f.type)
        ? p.f
        : { ...p.f, value: p.f.value.replace(/[^@.]/g, '*').slice(0, p.f.end - p.f.start) },
    );
    const masked = maskText(u.text, policy, findings).masked;
    const sad = findings.filter((f) => SAD_TYPES.has(f.type));
    const original = sad.length ? maskText(u.text, policy, sad).masked : u.text;
    const wordSpans = u.words.length ? wordRanges(u) : [];
    const overlaps = (k: number, f: PiiFinding) =>
      !!wordSpans[k] && wordSpans[k][0] < f.end && wordSpans[k][1] > f.start;
    const covered = (k: number, fs: PiiFinding[]) => fs.find((f) => overlaps(k, f));
    const maskWords = (fs: PiiFinding[]) =>
      u.words.map((w, k) => {
        const f = covered(k, fs);
        return f ? { ...w, w: SAD_TYPES.has(f.type) ? REDACTED : `[${f.type}]` } : w;
      });
    const pii: PiiMark[] = [];
    for (const f of findings) {
      const ws = u.words.filter((_, k) => overlaps(k, f));
      const mark: PiiMark = { type: f.type, start: f.start, end: f.end };
      if (ws.length) {
        mark.s = ws[0].s;
        mark.e = ws[ws.length - 1].e;
        // a CVV, PIN or one-time code protected as the whole answer: the recogniser placed too little of it to know
        // when it was said ("war" for "oh four four", its start lost before the segment began), so the audio from the
        // end of the question to the end of the answer is silenced (fail closed)
        if (SAD_TYPES.has(f.type) && f.start === 0 && f.end === u.text.length) {
          const asked = answerWindowStart(utterances, i);
          mark.s = Math.min(mark.s, asked);
          mark.e = Math.max(mark.e, u.endMs);
        }
      }
      pii.push(mark);
    }
    return {
      speaker: u.speaker,
      startMs: u.startMs,
      endMs: u.endMs,
      confidence: u.confidence,
      keyphrases: u.keyphrases,
      wordCount: u.words.length || (u.text.match(/\S+/g) ?? []).length,
      masked: { text: masked, words: maskWords(findings) },
      original: { text: original, words: sad.length ? maskWords(sad) : u.words },
      pii,
    };
  });
  return { utterances: out, identifiers, counts };
}

/** How far before an answer's segment its unheard start may lie, where no earlier turn bounds it. */
const ANSWER_LEAD_MS = 1500;

/**
 * Where the answer in utterance i may have begun: the end of the other party's last utterance before it (the
 * question), at most ANSWER_LEAD_MS before the segment, and never before the speaker's own previous utterance.
 */
function answerWindowStart(utterances: PlainUtterance[], i: number): number {
  const u = utterances[i];
  let from = Math.max(0, u.startMs - ANSWER_LEAD_MS);
  for (const [k, o] of utterances.entries()) if (k !== i && o.endMs <= u.startMs && o.endMs > from) from = o.endMs;
  return Math.min(from, u.startMs);
}

/** Character range of each word in the utterance text (ASR text is the words joined by single spaces). */
function wordRanges(u: PlainUtterance): Array<[number, number] | undefined> {
  const out: Array<[number, number] | undefined> = [];
  let pos = 0;
  for (const w of u.words) {
    const at = u.text.indexOf(w.w, pos);
    if (at < 0) {
      out.push(undefined);
      continue;
    }
    out.push([at, at + w.w.length]);
    pos = at + w.w.length;
  }
  return out;
}
