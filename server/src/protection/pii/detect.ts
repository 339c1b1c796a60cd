import { cnIdValid, ibanValid, luhnValid } from './checksums';

/**
 * Finds personal data in transcript or message text, in written, grouped and spoken forms ("four one one one",
 * "double four", "oh"), across punctuation the recognizer or a typist puts between groups. Every finding is a
 * character span of the input, so masking replaces exactly what was said.
 */
export type PiiType =
  | 'card_number'
  | 'cvv'
  | 'expiry_date'
  | 'cn_resident_id'
  | 'phone'
  | 'email'
  | 'iban'
  | 'bank_account'
  | 'us_ssn'
  | 'date_of_birth';

export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
  /** the normalised value (digits, or the e-mail address) — kept in memory only, never logged */
  value: string;
}

interface Tok {
  text: string;
  start: number;
  end: number;
}

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  o: '0',
  nought: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
const MULT: Record<string, number> = { double: 2, triple: 3 };
/** what recognizers write for digits they heard ("for one one one…"): counted only next to other digits */
const HOMOPHONES: Record<string, string> = { for: '4', fore: '4', to: '2', too: '2', won: '1', ate: '8' };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const re = /[A-Za-z0-9@._+'-]+/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** A maximal run of tokens that spell digits, with the digits they spell. */
interface DigitRun {
  digits: string;
  /** char offset of each digit (start of the token that produced it) */
  at: number[];
  start: number;
  end: number;
  firstTok: number;
  lastTok: number;
}

function digitRuns(toks: Tok[], text: string): DigitRun[] {
  const runs: DigitRun[] = [];
  let cur: DigitRun | undefined;
  const close = () => {
    if (cur && cur.digits.length) runs.push(cur);
    cur = undefined;
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    const w = t.text.toLowerCase().replace(/[.,]+$/, '');
    const next = i + 1 < toks.length ? toks[i + 1].text.toLowerCase().replace(/[.,]+$/, '') : '';
    let add: string;
    if (/^\d+(-\d+)*$/.test(w)) add = w.replace(/-/g, '');
    else if (DIGIT_WORDS[w] !== undefined && !(w === 'o' && !cur)) add = DIGIT_WORDS[w];
    else if (HOMOPHONES[w] && (DIGIT_WORDS[next] !== undefined || HOMOPHONES[next] !== undefined || /^\d/.test(next)))
      add = HOMOPHONES[w];
    else if (MULT[w] && DIGIT_WORDS[next] !== undefined) {
      add = DIGIT_WORDS[next].repeat(MULT[w]);
      i++;
    } else {
      close();
      continue;
    }
    // a gap with anything but spaces, commas, dashes or periods between tokens ends the run
    if (cur && /[^\s,.-]/.test(text.slice(cur.end, t.start))) close();
    cur ??= { digits: '', at: [], start: t.start, end: t.end, firstTok: i, lastTok: i };
    cur.digits += add;
    for (let k = 0; k < add.length; k++) cur.at.push(t.start);
    // the run ends where the last digit word ends, not at punctuation glued to it
    cur.end = toks[i].start + toks[i].text.replace(/[.,]+$/, '').length;
    cur.lastTok = i;
  }
  close();
  return runs;
}

const near = (toks: Tok[], from: number, to: number, re: RegExp) =>
  toks
    .slice(Math.max(0, from), Math.max(0, to))
    .map((t) => t.text.toLowerCase())
    .join(' ')
    .match(re) !== null;

const CARD_CTX = /\b(card|visa|mastercard|amex|debit|credit)\b/;
const CVV_CTX =
  /\b(cvv|cvc|cvv2|cvc2|security code|verification code|three digit|3 digit|four digit|back of the card|code on the back)\b/;
const EXP_CTX = /\b(expir\w*|expires|valid until|valid thru|exp)\b/;
const ACCT_CTX = /\b(account|acct|account number|routing)\b/;
const DOB_CTX = /\b(date of birth|born|dob|birthday)\b/;
const PHONE_CTX = /\b(phone|mobile|cell|number to call|call me|reach me|telephone|landline)\b/;

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

export function detectPii(text: string): PiiFinding[] {
  const found: PiiFinding[] = [];
  const toks = tokenize(text);
  const taken = (s: number, e: number) => found.some((f) => s < f.end && e > f.start);
  const add = (f: PiiFinding) => {
    if (!taken(f.start, f.end)) found.push(f);
  };

  // e-mail, written and spoken ("john dot smith at example dot com")
  for (const e of writtenEmails(text)) add(e);
  for (const m of text.matchAll(
    // bounded repetitions (an address has few parts): unbounded ones backtracked for seconds on "a dot a dot …"
    /\b([a-z0-9]{1,64}(?:[ \t]{1,3}(?:dot|underscore|dash)[ \t]{1,3}[a-z0-9]{1,64}){0,6})[ \t]{1,3}at[ \t]{1,3}([a-z0-9]{1,64}(?:[ \t]{1,3}dot[ \t]{1,3}[a-z0-9]{1,64}){0,4}[ \t]{1,3}dot[ \t]{1,3}(?:com|org|net|gov|edu|co|io|cn|uk|de|fr))\b/gi,
  )) {
    const norm = (s: string) =>
      s
        .toLowerCase()
        .replace(/\s+dot\s+/g, '.')
        .replace(/\s+underscore\s+/g, '_')
        .replace(/\s+dash\s+/g, '-');
    add({ type: 'email', start: m.index!, end: m.index! + m[0].length, value: `${norm(m[1])}@${norm(m[2])}` });
  }
  // IBAN (written)
  for (const m of text.matchAll(/\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b/g)) {
    if (ibanValid(m[0]))
      add({ type: 'iban', start: m.index!, end: m.index! + m[0].length, value: m[0].replace(/\s+/g, '') });
  }
  // CN resident ID (ends in X possibly)
  for (const m of text.matchAll(/\b\d{6}\s?\d{8}\s?\d{3}[\dXx]\b/g)) {
    const v = m[0].replace(/\s/g, '');
    if (cnIdValid(v))
      add({ type: 'cn_resident_id', start: m.index!, end: m.index! + m[0].length, value: v.toUpperCase() });
  }
  // US SSN
  for (const m of text.matchAll(/\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g))
    add({ type: 'us_ssn', start: m.index!, end: m.index! + m[0].length, value: m[0].replace(/-/g, '') });
  // E.164 and US-formatted phones
  for (const m of text.matchAll(/\+\d{1,3}[\s-]?\(?\d{1,4}\)?(?:[\s-]?\d{2,4}){2,4}\b/g)) {
    const v = m[0].replace(/[^\d+]/g, '');
    if (v.length >= 9 && v.length <= 16) add({ type: 'phone', start: m.index!, end: m.index! + m[0].length, value: v });
  }
  for (const m of text.matchAll(/\(\d{3}\)\s?\d{3}-\d{4}\b|\b\d{3}-\d{3}-\d{4}\b/g))
    add({ type: 'phone', start: m.index!, end: m.index! + m[0].length, value: m[0].replace(/\D/g, '') });
  // expiry dates written as MM/YY or MM/YYYY next to expiry words (or card words)
  for (const m of text.matchAll(/\b(0[1-9]|1[0-2])\s?\/\s?(\d{2}|20\d{2})\b/g)) {
    const ti = toks.findIndex((t) => t.end > m.index!);
    if (near(toks, ti - 6, ti, EXP_CTX) || near(toks, ti - 6, ti, CARD_CTX))
      add({ type: 'expiry_date', start: m.index!, end: m.index! + m[0].length, value: m[0].replace(/\s/g, '') });
  }
  // dates of birth: a date shortly after a DOB phrase
  for (const m of text.matchAll(
    /\b(\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|(?:the\s+)?\w+\s+of\s+(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+(?:nineteen|twenty|two thousand)[\w\s]*?(?=[.,;]|$)|(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2})/gi,
  )) {
    const ti = toks.findIndex((t) => t.end > m.index!);
    if (near(toks, ti - 8, ti, DOB_CTX))
      add({ type: 'date_of_birth', start: m.index!, end: m.index! + m[0].trimEnd().length, value: m[0].trim() });
  }

  for (const run of digitRuns(toks, text)) {
    const d = run.digits;
    const before = (n: number) => near(toks, run.firstTok - n, run.firstTok, CVV_CTX);
    // card: the whole run, or a 13–19 digit window starting with a card prefix, passing Luhn
    let card: { i: number; j: number } | undefined;
    if (d.length >= 13 && d.length <= 19 && luhnValid(d)) card = { i: 0, j: d.length };
    else if (d.length > 19 || (d.length >= 13 && near(toks, run.firstTok - 8, run.firstTok, CARD_CTX))) {
      for (let len = Math.min(19, d.length); len >= 13 && !card; len--) {
        for (let i = 0; i + len <= d.length; i++) {
          if (/^[3-6]/.test(d.slice(i)) && luhnValid(d.slice(i, i + len))) {
            card = { i, j: i + len };
            break;
          }
        }
      }
    }
    if (card) {
      add({
        type: 'card_number',
        start: run.at[card.i],
        end: card.j >= d.length ? run.end : tokEndBefore(toks, run.at[card.j]),
        value: d.slice(card.i, card.j),
      });
      continue;
    }
    if (/^1[3-9]\d{9}$/.test(d)) {
      add({ type: 'phone', start: run.start, end: run.end, value: d });
      continue;
    }
    if (
      (d.length === 3 || d.length === 4) &&
      (before(10) || near(toks, run.lastTok + 1, run.lastTok + 4, /\b(on the back)\b/))
    ) {
      add({ type: 'cvv', start: run.start, end: run.end, value: d });
      continue;
    }
    if ((d.length === 10 || d.length === 11) && near(toks, run.firstTok - 8, run.firstTok, PHONE_CTX)) {
      add({ type: 'phone', start: run.start, end: run.end, value: d });
      continue;
    }
    if (d.length >= 6 && d.length <= 17 && near(toks, run.firstTok - 6, run.firstTok, ACCT_CTX)) {
      add({ type: 'bank_account', start: run.start, end: run.end, value: d });
      continue;
    }
    if (
      (d.length === 4 || d.length === 6) &&
      near(toks, run.firstTok - 6, run.firstTok, EXP_CTX) &&
      /^(0[1-9]|1[0-2])/.test(d)
    ) {
      add({ type: 'expiry_date', start: run.start, end: run.end, value: d });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

function tokEndBefore(toks: Tok[], pos: number): number {
  let end = pos;
  for (const t of toks) if (t.end <= pos) end = t.end;
  return end;
}
