import { cnIdValid, ibanValid, luhnValid } from './checksums';
import { findDates } from './dates';
import { findAddresses, findNames, findPostcodes } from './identity';
import { DigitRun, digitRuns, Tok, tokenize } from './numbers';
import { NOT_SECRET_CODES, PromptKind, promptKinds } from './prompts';

/**
 * Finds personal data in transcript or message text, in written, grouped and spoken forms ("four one one one",
 * "double four", "oh"), across punctuation the recognizer or a typist puts between groups. Every finding is a
 * character span of the input, so masking replaces exactly what was said.
 */
export type PiiType =
  | 'card_number'
  | 'cvv'
  | 'pin'
  | 'otp'
  | 'expiry_date'
  | 'cn_resident_id'
  | 'phone'
  | 'email'
  | 'iban'
  | 'bank_account'
  | 'us_ssn'
  | 'date_of_birth'
  /** digits read out one by one on a call, with nothing to say what they are: removed (fail closed) */
  | 'digit_string'
  /** only where the masking policy lists them (see identity.ts) */
  | OptionalPiiType;

/** Types a deployment opts into by listing them in the masking policy. */
export const OPTIONAL_PII_TYPES = ['person_name', 'postcode', 'address'] as const;
export type OptionalPiiType = (typeof OPTIONAL_PII_TYPES)[number];

export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
  /** the normalised value (digits, or the e-mail address) — kept in memory only, never logged */
  value: string;
}

/** Kinds of data the other party was asked for at a position of the text (from the conversation, see protectTranscript). */
export type Expectation = (pos: number) => ReadonlySet<PromptKind>;
const NONE: ReadonlySet<PromptKind> = new Set();

/**
 * Scanning stored bytes (scan:pii) has no conversation to go by and reads machine text (JSON with timings next to
 * phrase labels): a value counts only in the length its type has, with its label right before it.
 */
const STRICT_DIGITS: Array<[PromptKind, number, number]> = [
  ['cvv', 3, 4],
  ['pin', 4, 6],
  ['otp', 6, 8],
  ['bank_account', 8, 17],
  ['phone', 10, 11],
];
const STRICT_LABEL_BEFORE = 25;
const ANSWER_OTP: [PromptKind, number, number] = ['otp', 3, 3];

/**
 * How many digits an answer of each kind may have. Within an expectation (a question for it, or its label just
 * before), a run of digits of that length is that kind even when it fails Luhn or its digit count is off: a
 * recogniser that drops or adds a digit must not make a card number or CVV readable (fail closed).
 */
const ANSWER_DIGITS: Array<[PromptKind, number, number]> = [
  ['cvv', 2, 6],
  ['pin', 3, 8],
  ['otp', 4, 10],
  ['expiry_date', 3, 6],
  ['date_of_birth', 5, 8],
  ['card_number', 12, 19],
  ['bank_account', 6, 18],
  ['phone', 6, 15],
  ['us_ssn', 9, 9],
  // a resident ID asked for, its check digit wrong or a digit lost (15 digits: the first-generation cards)
  ['cn_resident_id', 15, 18],
  // asked for only where the policy lists postcodes: a ZIP (5) or a Chinese postcode (6)
  ['postcode', 5, 6],
];

/** How far before and after a value its label may be (characters: about eight words before, four after). */
const LABEL_BEFORE = 60;
/** what may stand between a date of birth and another date that is one too: "1979-02-02, not 1979-02-20" */
const DATE_JOINED = /^[ ,.]*(not|or|and|rather than|instead of|but|sorry|i mean)?[ ,:]*(it'?s |it is )?$/i;
const LABEL_AFTER = 30;
/**
 * A date named right before it as a document's or an event's ("the statement dated 03/11/2026", "a letter issued on
 * …", "paid on 4 Nov"): not a birth date, whatever label came earlier in the turn ("my DOB is 7th Dec 1964. The
 * statement dated 03/11/2026 …"). ("born on …" is not among them.)
 */
const OTHER_DATE_BEFORE =
  /\b(dated|issued|(paid|sent|posted|made|received|opened|closed|due|taken|charged|debited|credited|booked|ordered|cancell?ed|delivered|renewed)( out)? on)[:\s]*$/i;

/** Labels in the text just before a position (the speaker's own words: "my security code is …"). */
function localKinds(text: string, pos: number, chars: number, strict = false): Set<PromptKind> {
  // the window stays within the turn: a blank line or ";" (another party spoke, or a pause: see protectTranscript)
  // ends it, so a question in the speaker's previous turn is not a label for this one
  const cut = /\n\s*\n|;/;
  let w: string;
  if (chars < 0) {
    w = text.slice(Math.max(0, pos + chars), pos);
    // in stored bytes (strict) nor does a label in an earlier sentence count ("… date of birth [DOB]. We paid you
    // on 14/07/2024"); in a turn it does ("I forgot my PIN. The old one was 1234.")
    const parts = w.split(strict ? /\n\s*\n|;|[.!]\s+(?=[A-Z])/ : cut);
    w = parts[parts.length - 1];
  } else
    w = text
      .slice(pos, pos + chars)
      .split(cut)[0]
      .split(/[.!?](?:\s|$)/)[0];
  // a label after a value is in the same sentence ("14/07/1961 is my date of birth"): "… on 12/03/2024. DOB 4.8.1959"
  // does not make the payment's date a birth date
  const kinds = new Set(promptKinds(w));
  // "to account 20-00-55 71234567", "account: 31926819", "sort 30-99-50", "s/c 30-99-50": the word right before the
  // digits labels them
  if (chars < 0 && /\b(account|sort|s\/c|sc)\s*[:#]?\s*$/i.test(w)) kinds.add('bank_account');
  return kinds;
}

/** "… ending 0143", "… ending in 2851", "last four digits are 2851" (text before a run of four digits) */
const ENDING = /\b(ending|ends|end)( in| with)?[:\s]*$|\blast (four|4)( digits| numbers)?( are| is| of)?[:\s]*$/i;

/** What follows an amount ("300 pounds", "15%", "20p"): text after a run of digits */
const AMOUNT_AFTER = /^\s?(%|percent\b|per cent\b|pounds?\b|quid\b|pence\b|p\b|dollars?\b|euros?\b|yuan\b|元)/i;

/**
 * A number named right before it as the service's own ("your claim number is 4412", "reference 55-1093", "the order
 * number was …", a work order's "受理编号是 SC 2026 1207 0334"): not the card, account or code a question earlier in
 * the turn may have named.
 */
const OWN_NUMBER =
  /\b(claim|reference|ref|order|case|ticket|tracking|booking|job|complaint|policy|invoice|receipt|dispute)( numbers?| no| id)?( is| was| for)?[:\s]*$|(编号|单号|受理号|流水号|回执号|案件号)[是为：:\s]*([a-z]{1,4}[\s-]*)?$/i;

/** A unit after a run of digits: a count, a time or a date's part ("10 minutes", "5 working days", "24 小时", "7 天") */
const UNIT_AFTER =
  /^\s?((working |business )?(minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|seconds?|secs?)\b|月|日|号|年|天|周|个|小时|分钟?|秒|岁|次|笔|张|点|块|万|千|百|期)/i;
/** Chinese organisations' numbers by their plan: bank and utility 95xxx/96xxx, 400/800 numbers, 1xxxx public services */
const CN_SERVICE_NUMBER = /^(9[56]\d{3}|[48]00\d{7}|1[0-2]\d{3})$/;
const CALL_BEFORE = /(拨打|致电|打|热线|客服电话|服务电话|call|ring|phone|dial)[^0-9]{0,6}$/i;

const CARD_CTX = /\b(card|visa|mastercard|amex|debit|credit)\b/;
const EXP_CTX = /\b(expir\w*|expires|valid until|valid thru|exp|thru)\b/;

/** where card numbers start: Mastercard's 2-series (2221–2720), Amex, Diners, JCB, Visa, Mastercard, Discover, UnionPay */
const CARD_PREFIX = /^(2[2-7]|[3-6])/;

const near = (toks: Tok[], from: number, to: number, re: RegExp) =>
  toks
    .slice(Math.max(0, from), Math.max(0, to))
    .map((t) => t.w)
    .join(' ')
    .match(re) !== null;

const LOCAL = /[A-Za-z0-9._%+-]/;
const DOMAIN = /[A-Za-z0-9.-]/;

/**
 * Written e-mail addresses, found from each "@" outwards with the lengths RFC 5321 allows (local part 64, domain
 * 255): linear in the text. (A regular expression scanning from every letter was quadratic: 100,000 letters then
 * "@" took 35 s on the API's event loop.)
 */
function writtenEmails(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  let from = 0;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > Math.max(from, at - 64) && LOCAL.test(text[start - 1])) start--;
    let end = at + 1;
    while (end < text.length && end - at <= 255 && DOMAIN.test(text[end])) end++;
    let domain = text.slice(at + 1, end);
    // the domain ends at its last label of letters (a sentence's full stop is not part of it)
    const m = /^([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/.exec(domain);
    if (start === at || !m) continue;
    domain = m[1];
    end = at + 1 + domain.length;
    out.push({ type: 'email', start, end, value: text.slice(start, end).toLowerCase() });
    from = end;
  }
  return out;
}

/**
 * what names the digits just before it as a one-time code ("… is your code", "… is your Bank of Sussex login code",
 * a customer's "771 320 is my code to add a new payee");
 * not a code that is no secret ("20-45-77 is the sort code", "440918 is your tracking code")
 */
const CODE_AFTER = new RegExp(
  `^[\\s,]*(is|=|-|:)?\\s*(your|the|my|a)\\s+([\\w'-]+\\s+){0,4}(code|pass ?code|otp)\\b(?<!\\b(${NOT_SECRET_CODES})\\s+code)`,
  'i',
);
/**
 * digits to be used to confirm something ("use 281 907 to confirm your new payee", "enter 5531 to log in"): a
 * one-time code however it is named later; a number to call ("call 0345 000 1234 to confirm") is not one
 */
const USE_BEFORE = /\b(use|enter|type|key in|quote|reply with)\s*$/i;
const TO_CONFIRM =
  /^\s*(to|and) (confirm|verify|approve|authori[sz]e|complete|log ?in|sign ?in|finish|continue|activate|reset|unlock)\b/i;
/**
 * digits keyed into a machine ("I typed 7731 and it said incorrect PIN", "I put in 4410, it says wrong PIN"): a PIN
 * when one is named later in the sentence; a count or an amount keyed in is neither four digits alone nor named a PIN
 */
const KEYED_BEFORE = /\b(typed|entered|keyed|punched|put|tried|pressed|used)( it)?( in)?\s*$/i;
/** "… is my PIN", "… as my new PIN": the digits named a PIN right after them */
const PIN_AFTER = /^\s*(is|was|as|for)\s+(my|the|our)\s+(old\s+|new\s+|card\s+)?pin\b/i;
/** how far after the digits CODE_AFTER reads ("… is your Bank of Sussex verification code") */
const CODE_AFTER_CHARS = 60;

export interface DetectOptions {
  /** what the other party asked for, by position */
  expected?: Expectation;
  /**
   * recognised speech of a caller: digits read out one by one (three or more: a CVV has three) that nothing else
   * explains are removed as a digit_string — a recogniser that mishears the question must not leave a CVV or card
   * number readable
   */
  digitStrings?: boolean;
  /**
   * recognised speech: under a question or label, any run of two or more digits is taken as that kind (a recogniser
   * that turns one digit into a word splits a card number into pieces, each too short to be one on its own)
   */
  speech?: boolean;
  /** data at rest, not a conversation: see STRICT_DIGITS */
  strict?: boolean;
  /** the optional types the masking policy lists (names, postcodes, addresses) */
  optional?: ReadonlySet<OptionalPiiType>;
}

/**
 * Numbers that are an organisation's by their plan, not a person's: NANP toll-free (800, 833, 844, 855, 866, 877, 888;
 * ten digits or with the 1), and the UK's 03, 08 and 09 ranges written in international form ("+44 345 000 1234"; in
 * national form they are never taken as phones, see below). Unless they answer a question for the customer's number.
 */
const ORG_NUMBER = /^(\+?1)?8(00|33|44|55|66|77|88)\d{7}$|^\+?44[389]\d{8,9}$/;

/** a number said in words at the end of an address's part ("m dot patel eighty two at gmail dot com") */
const NUMBER_WORD =
  '(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|double|triple)';
const SPOKEN_PART = `[a-z0-9]{1,64}(?:[ \\t]{1,3}${NUMBER_WORD}){0,4}`;
/**
 * An e-mail address said aloud ("john dot smith at example dot com"): bounded repetitions (an address has few parts):
 * unbounded ones backtracked for seconds on "a dot a dot …"; a domain said in words ("bt internet dot com") is written
 * together; a part of the name may end in a number said in words
 */
const SPOKEN_EMAIL = new RegExp(
  `\\b(${SPOKEN_PART}(?:[ \\t]{1,3}(?:dot|underscore|dash)[ \\t]{1,3}${SPOKEN_PART}){0,6})[ \\t]{1,3}at[ \\t]{1,3}([a-z0-9]{1,64}(?:[ \\t]{1,3}[a-z0-9]{1,64}){0,2}(?:[ \\t]{1,3}dot[ \\t]{1,3}[a-z0-9]{1,64}){0,4}[ \\t]{1,3}dot[ \\t]{1,3}(?:com|org|net|gov|edu|co|io|cn|uk|de|fr))\\b`,
  'gi',
);

/**
 * A part of an address said aloud, written as typed: "dot", "underscore", "dash" as their signs, a number said in words
 * as its digits ("m dot patel eighty two" → "m.patel82")
 */
function spokenAddressPart(said: string): string {
  const s = said.toLowerCase();
  let typed = '';
  let at = 0;
  for (const r of digitRuns(tokenize(s), s).filter((x) => x.spoken && x.start > 0)) {
    typed += `${s.slice(at, r.start)}${r.digits}`;
    at = r.end;
  }
  return `${typed}${s.slice(at)}`
    .replace(/\s+dot\s+/g, '.')
    .replace(/\s+underscore\s+/g, '_')
    .replace(/\s+dash\s+/g, '-')
    .replace(/\s+/g, '');
}

export function detectPii(text: string, opts: DetectOptions = {}): PiiFinding[] {
  const expected = opts.expected ?? (() => NONE);
  const found: PiiFinding[] = [];
  const toks = tokenize(text);
  const taken = (s: number, e: number) => found.some((f) => s < f.end && e > f.start);
  // an organisation's number by its plan (ORG_NUMBER), not answering a question for the customer's number
  const orgNumber = (digits: string, at: number) => ORG_NUMBER.test(digits) && !expected(at).has('phone');
  const add = (f: PiiFinding) => {
    if (!taken(f.start, f.end)) found.push(f);
  };

  // e-mail, written and spoken ("john dot smith at example dot com")
  for (const e of writtenEmails(text)) add(e);
  for (const m of text.matchAll(SPOKEN_EMAIL))
    add({
      type: 'email',
      start: m.index!,
      end: m.index! + m[0].length,
      value: `${spokenAddressPart(m[1])}@${spokenAddressPart(m[2])}`,
    });
  // IBAN (written): as printed, or typed in lower case ("de89370400440532013000"), then only for a country the registry
  // lists, at its length; a word after a spaced one ("ES91 2100 … 1332 has") is not part of it, so the longest run
  // that checks is taken
  for (const m of text.matchAll(/\b[A-Za-z]{2}\d{2}(?:\s?[A-Za-z0-9]{4}){2,7}(?:\s?[A-Za-z0-9]{1,4})?\b/g)) {
    for (let v = m[0]; v; v = v.replace(/\s?[A-Za-z0-9]+$/, '')) {
      if (!/\s/.test(v) && v !== m[0]) break;
      if (ibanValid(v, v !== v.toUpperCase())) {
        add({ type: 'iban', start: m.index!, end: m.index! + v.length, value: v.replace(/\s+/g, '') });
        break;
      }
    }
  }
  // CN resident ID (ends in X possibly); one asked for is masked even when its check digit fails (a typo: fail closed)
  for (const m of text.matchAll(/\b\d{6}\s?\d{8}\s?\d{3}[\dXx]\b/g)) {
    const v = m[0].replace(/\s/g, '');
    const asked =
      expected(m.index!).has('cn_resident_id') || localKinds(text, m.index!, -LABEL_BEFORE).has('cn_resident_id');
    if (cnIdValid(v) || asked)
      add({ type: 'cn_resident_id', start: m.index!, end: m.index! + m[0].length, value: v.toUpperCase() });
  }
  // US SSN
  for (const m of text.matchAll(/\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g))
    add({ type: 'us_ssn', start: m.index!, end: m.index! + m[0].length, value: m[0].replace(/-/g, '') });
  // E.164 and US-formatted phones
  for (const m of text.matchAll(/\+\d{1,3}[\s-]?\(?\d{1,4}\)?(?:[\s-]?\d{2,4}){2,4}\b/g)) {
    const v = m[0].replace(/[^\d+]/g, '');
    if (v.length >= 9 && v.length <= 16 && !orgNumber(v, m.index!))
      add({ type: 'phone', start: m.index!, end: m.index! + m[0].length, value: v });
  }
  // national plans written as people group them: NANP (415) 555-2671 / 415-555-2671, UK mobiles 07700 900123
  for (const m of text.matchAll(
    /\(\d{3}\)\s?\d{3}[-.]\d{4}\b|\b\d{3}-\d{3}-\d{4}\b|\b\d{3}\.\d{3}\.\d{4}\b|(?<![\d+])\b07\d{3}[\s-]?\d{3}[\s-]?\d{3}\b/g,
  )) {
    const v = m[0].replace(/\D/g, '');
    // NANP toll-free codes (800, 833, 844, 855, 866, 877, 888) are organisations' numbers, not a person's, as UK 03
    // and 08 numbers are: "please call 1-800-555-0199"
    if (orgNumber(v, m.index!)) continue;
    add({ type: 'phone', start: m.index!, end: m.index! + m[0].length, value: v });
  }
  // UK bank details as an invoice or a payee form writes them, a sort code in pairs then an 8-digit account number
  // ("20-32-06 73645112"): together they are an account whatever the words around them
  for (const m of text.matchAll(/(?<![\d-])(\d{2}-\d{2}-\d{2})[ \t]{1,3}(\d{8})(?![\d-])/g)) {
    const a = m.index! + m[0].length - m[2].length;
    add({ type: 'bank_account', start: m.index!, end: m.index! + m[1].length, value: m[1].replace(/-/g, '') });
    add({ type: 'bank_account', start: a, end: a + m[2].length, value: m[2] });
  }
  // UK geographic numbers (Ofcom's plan: 01 and 02 area codes, ten or eleven digits in all) as they are grouped:
  // 020 7946 0018, 0121 496 0000, 01632 960000; 03 and 08 numbers are organisations', not people's. Not a group of a
  // longer number (a card written in fours: "3498 0150 9449 022")
  for (const m of text.matchAll(
    /(?<![\d+][\s-]?)\b(?:0[12]\d{1,4}[\s-]?\d{3,4}[\s-]?\d{3,4}|0[12]\d{3,4}[\s-]?\d{5,6})\b(?![\s-]?\d)/g,
  )) {
    const v = m[0].replace(/\D/g, '');
    if (v.length >= 10 && v.length <= 11)
      add({ type: 'phone', start: m.index!, end: m.index! + m[0].length, value: v });
  }
  // expiry dates written as MM/YY or MM/YYYY next to expiry words (or card words), or as the answer to "and the expiry?"
  // (the month and year of a full date, "01/12/2026", are not an expiry)
  for (const m of text.matchAll(/(?<!\d\s?[/.-]\s?)\b(0?[1-9]|1[0-2])\s?\/\s?(\d{2}|20\d{2})\b(?!\s?\/)/g)) {
    const ti = toks.findIndex((t) => t.end > m.index!);
    if (near(toks, ti - 6, ti, EXP_CTX) || near(toks, ti - 6, ti, CARD_CTX) || expected(m.index!).has('expiry_date'))
      add({ type: 'expiry_date', start: m.index!, end: m.index! + m[0].length, value: m[0].replace(/\s/g, '') });
  }
  // digits named a one-time code by what follows them
  const namedCodeAfter = (end: number) => CODE_AFTER.test(text.slice(end, end + CODE_AFTER_CHARS));
  const kindsAt = (start: number, end: number) => {
    const k = localKinds(text, start, opts.strict ? -STRICT_LABEL_BEFORE : -LABEL_BEFORE, opts.strict);
    if (!opts.strict) {
      // the words just before the value, and the labels just after it in its sentence
      const before = text.slice(Math.max(0, start - 20), start);
      const after = localKinds(text, end, LABEL_AFTER);
      // a label just after ("… is my date of birth", "… on the back") counts too
      for (const x of after) if (x === 'date_of_birth' || x === 'cvv') k.add(x);
      // "553 201 is your code to approve …": a one-time code named right after it
      if (namedCodeAfter(end)) k.add('otp');
      // "I typed 7731 and it said incorrect PIN", "1984 is my PIN"
      if (PIN_AFTER.test(text.slice(end, end + LABEL_AFTER)) || (KEYED_BEFORE.test(before) && after.has('pin')))
        k.add('pin');
      if (USE_BEFORE.test(before) && TO_CONFIRM.test(text.slice(end, end + CODE_AFTER_CHARS))) k.add('otp');
    }
    for (const x of expected(start)) k.add(x);
    return k;
  };
  // names, postcodes and addresses where the policy asks for them; the postcode and house number are not digit runs
  const optional = opts.strict ? undefined : opts.optional;
  if (optional?.has('postcode'))
    for (const s of findPostcodes(text, (pos) => expected(pos).has('postcode')))
      add({ type: 'postcode', ...s, value: s.value.toUpperCase() });
  if (optional?.has('address')) for (const s of findAddresses(text)) add({ type: 'address', ...s });
  if (optional?.has('person_name'))
    for (const s of findNames(text, toks, (pos) => expected(pos).has('person_name')))
      add({ type: 'person_name', ...s });
  // dates: a date is a date of birth (or a card's expiry) where one is asked for or labelled; other dates (of
  // payments) stay readable
  // a date joined to a date of birth just before it is one too: a correction or an alternative ("It should be
  // 1979-02-02, not 1979-02-20", "the 2nd or the 20th of February 1979")
  let dobEnd = -1;
  const dates = findDates(text, toks);
  for (const d of dates) {
    if (OTHER_DATE_BEFORE.test(text.slice(Math.max(0, d.start - 30), d.start))) continue;
    const k = kindsAt(d.start, d.end);
    if (
      k.has('date_of_birth') ||
      (dobEnd >= 0 && d.start - dobEnd <= 24 && DATE_JOINED.test(text.slice(dobEnd, d.start)))
    ) {
      add({ type: 'date_of_birth', start: d.start, end: d.end, value: text.slice(d.start, d.end) });
      dobEnd = d.end;
    }
    // an expiry said with the month's name ("november twenty eight", "valid until june 2029")
    else if (k.has('expiry_date'))
      add({ type: 'expiry_date', start: d.start, end: d.end, value: text.slice(d.start, d.end) });
  }

  // "G-582913 is your verification code", "my code is G-402871": a one-time code with a letter before it, named a
  // code after or before it (a reference like "FT-30918" is not named a code and stays readable)
  if (!opts.strict)
    for (const m of text.matchAll(/\b[A-Z]-(\d{4,8})\b/g))
      if (namedCodeAfter(m.index! + m[0].length) || kindsAt(m.index!, m.index! + m[0].length).has('otp'))
        add({ type: 'otp', start: m.index! + 2, end: m.index! + m[0].length, value: m[1] });

  // characters of a password asked for one by one ("characters 1, 3 and 6 of your password" … "m, k, 7"): the list
  // of single characters is the secret's, masked as one answer
  if (!opts.strict)
    // (typed with commas, "and", or only spaces: "k 9 m")
    for (const m of text.matchAll(/(?<![\w'])[a-z0-9](?:\s*(?:,|and|&)\s*[a-z0-9]|[ \t]+[a-z0-9])+(?![\w'])/gi))
      if (expected(m.index!).has('pin'))
        add({ type: 'pin', start: m.index!, end: m.index! + m[0].length, value: m[0].replace(/[^a-z0-9]/gi, '') });

  for (const run of joinAcrossUtterances(digitRuns(toks, text), text, (r) => kindsAt(r.start, r.end))) {
    if (taken(run.start, run.end)) continue;
    const d = run.digits;
    // a part of a date no one asked as a birth date (a payment's "11月28日", "on 12/03/2024") is no secret
    if (dates.some((x) => run.start >= x.start && run.end <= x.end)) continue;
    const kinds = kindsAt(run.start, run.end);
    const before = text.slice(Math.max(0, run.start - 30), run.start);
    const after = text.slice(run.end);
    // card: the whole run, or a 13–19 digit window starting with a card prefix, passing Luhn (a number the service
    // names as its own, "订单号 20261207553201", passing Luhn by chance without a card's prefix, is not one)
    let card: { i: number; j: number } | undefined;
    if (d.length >= 13 && d.length <= 19 && luhnValid(d) && (CARD_PREFIX.test(d) || !OWN_NUMBER.test(before)))
      card = { i: 0, j: d.length };
    else if (d.length > 19 || (d.length >= 13 && near(toks, run.firstTok - 8, run.firstTok, CARD_CTX))) {
      for (let len = Math.min(19, d.length); len >= 13 && !card; len--) {
        for (let i = 0; i + len <= d.length; i++) {
          if (CARD_PREFIX.test(d.slice(i)) && luhnValid(d.slice(i, i + len))) {
            card = { i, j: i + len };
            break;
          }
        }
      }
    }
    // a number word or a number just before a card number ("my old one 2720 4566 4821 1687"): the card starts at a
    // token of its own and runs to the end
    if (!card && d.length > 13 && d.length <= 25)
      for (let i = 1; i + 13 <= d.length && !card; i++)
        if (run.at[i] !== run.at[i - 1] && d.length - i <= 19 && CARD_PREFIX.test(d.slice(i)) && luhnValid(d.slice(i)))
          card = { i, j: d.length };
    if (card && (card.i > 0 || card.j < d.length) && kinds.has('card_number')) card = { i: 0, j: d.length };
    if (card) {
      add({
        type: 'card_number',
        start: run.at[card.i],
        end: card.j >= d.length ? run.end : tokEndBefore(toks, run.at[card.j]),
        value: d.slice(card.i, card.j),
      });
      continue;
    }
    // "the phone ending 0143", "card ending in 2851", "last four 2851": the last four digits are what every view may
    // show (PCI DSS lets them be displayed), not a value asked for
    if (d.length === 4 && ENDING.test(before)) continue;
    // the service's own number ("your claim number is 4412"), not the value asked for
    if (OWN_NUMBER.test(before)) continue;
    // a count, not a value: "the three digits on the back", "a 6 digit code" (a call's "as to three digits": "to"
    // heard as a digit with it)
    if (/^[\s-]*(digits?|numbers|characters|letters)\b/i.test(after)) continue;
    // an amount ("£300", "300 pounds", "15%") is no secret and no account, whatever was asked before it
    if (/[£$€¥]\s?$/.test(before) || AMOUNT_AFTER.test(after)) continue;
    // a count or a time ("valid for 10 minutes", "24 小时内", "3 个工作日", "15 号"), not a value
    if (UNIT_AFTER.test(after)) continue;
    // a Chinese service number by its plan (95533, 400-820-0000, 12345) after "call" ("如有疑问请拨打 95533")
    if (CN_SERVICE_NUMBER.test(d) && CALL_BEFORE.test(before)) continue;
    // digits of a PIN asked for one by one ("the first and third digits of your PIN" … "4 and 9"): each is the PIN's
    if (d.length <= 2 && expected(run.start).has('pin')) {
      const prev = found[found.length - 1];
      // "seven and two": one answer, masked as one
      if (prev?.type === 'pin' && /^[\s,]*(and|&)?[\s,]*$/i.test(text.slice(prev.end, run.start))) {
        prev.end = run.end;
        prev.value += d;
      } else add({ type: 'pin', start: run.start, end: run.end, value: d });
      continue;
    }
    // "1-800-555-0199": the NANP trunk prefix grouped 1-3-3-4, not a CN mobile number (written 180 0555 0199)
    const nanp = /^1[-. ]\d{3}[-. ]\d{3}[-. ]\d{4}$/.test(text.slice(run.start, run.end));
    if (nanp && orgNumber(d, run.start)) continue;
    if (/^1[3-9]\d{9}$/.test(d) && !nanp) {
      add({ type: 'phone', start: run.start, end: run.end, value: d });
      continue;
    }
    const byLength = (opts.strict ? STRICT_DIGITS : ANSWER_DIGITS).find(
      ([k, min, max]) =>
        kinds.has(k) &&
        d.length >= (opts.speech ? 2 : min) &&
        d.length <= max &&
        // an expiry date starts with a month
        (k !== 'expiry_date' || /^(0?[1-9]|1[0-2])/.test(d)),
    );
    // a code asked for and typed in halves ("471" then "992"): each half, in reply to the question, is one
    const kind =
      byLength ?? (!opts.strict && d.length === 3 && expected(run.start).has('otp') ? ANSWER_OTP : undefined);
    // a phone number said with its "plus" ("plus four four seven seven …") is masked from the "plus"; ten digits and
    // more after "plus" are a phone number even with no question for one
    const plusBefore = /\bplus\s+$/i.exec(text.slice(Math.max(0, run.start - 8), run.start));
    const plus = kind?.[0] === 'phone' || (!kind && d.length >= 10 && d.length <= 15) ? plusBefore : null;
    const type = kind?.[0] ?? (plus ? 'phone' : undefined);
    // a toll-free number named by a word around it ("please call 1-800-555-0199") is an organisation's, unless it
    // answers a question for the customer's number
    if (type === 'phone' && orgNumber(d, run.start)) continue;
    if (type) add({ type, start: run.start - (plus ? plus[0].length : 0), end: run.end, value: d });
    else if (opts.digitStrings && run.spoken && !run.compound && d.length >= 3)
      add({ type: 'digit_string', start: run.start, end: run.end, value: d });
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * A card number read out over two or more utterances ("4532 1234" … "5678 9012"): runs that follow each other across
 * an utterance break are joined when together they make a card number (Luhn) or a card number was asked for, and
 * neither part is complete on its own. Other runs stay apart, so a date of birth and the next answer are not one
 * number.
 */
function joinAcrossUtterances(runs: DigitRun[], text: string, kindsOf: (r: DigitRun) => Set<PromptKind>): DigitRun[] {
  const out: DigitRun[] = [];
  const whole = (d: string) => d.length >= 13 && d.length <= 19 && luhnValid(d);
  // an answer complete in a form of its own (an expiry "08/29", a date "5/9/71", a sort code "20-98-41") is not the
  // start of a card number read out in pieces
  const ownForm = (r: DigitRun) =>
    /\d\s?[/.-]\s?$/.test(text.slice(Math.max(0, r.start - 4), r.start)) ||
    /^\s?[/.-]\s?\d/.test(text.slice(r.end, r.end + 4));
  for (let i = 0; i < runs.length; i++) {
    const asked = kindsOf(runs[i]).has('card_number');
    let digits = runs[i].digits;
    let best = i;
    for (let j = i + 1; j < runs.length; j++) {
      const gap = text.slice(runs[j - 1].end, runs[j].start);
      if (!/^\s*$/.test(gap) || !gap.includes('\n') || whole(runs[j].digits) || whole(runs[j - 1].digits)) break;
      if (ownForm(runs[j - 1]) || ownForm(runs[j])) break;
      if (runs[j].digits.length < 3 || digits.length + runs[j].digits.length > 19) break;
      digits += runs[j].digits;
      if (whole(digits) || (asked && digits.length >= 12 && runs[j].digits.length >= 4)) best = j;
    }
    if (best === i) {
      out.push(runs[i]);
      continue;
    }
    const parts = runs.slice(i, best + 1);
    out.push({
      ...runs[i],
      digits: parts.map((p) => p.digits).join(''),
      at: parts.flatMap((p) => p.at),
      end: runs[best].end,
      lastTok: runs[best].lastTok,
      spoken: parts.some((p) => p.spoken),
      compound: parts.some((p) => p.compound),
    });
    i = best;
  }
  return out;
}

function tokEndBefore(toks: Tok[], pos: number): number {
  let end = pos;
  for (const t of toks) if (t.end <= pos) end = t.end;
  return end;
}
