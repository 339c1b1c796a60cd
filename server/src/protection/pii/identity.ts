import type { Tok } from './numbers';

/**
 * Names, postcodes and street addresses: masked only where a deployment's masking policy lists them (a hotline that
 * must not keep who called, or where they live). Found from how people introduce themselves and answer ("my name is
 * …", "this is … speaking", "Mrs …", "it's Jane Doe" after "can I take your name?", a name spelled out letter by
 * letter), from published postcode formats (the UK's, ZIP and ZIP+4, China's six digits when labelled), and from a
 * house number followed by a street type (USPS Publication 28 suffixes and the UK's usual ones).
 */
export interface Span {
  start: number;
  end: number;
  value: string;
}

/** Words that are not a name: function words, the answer's lead-ins, and what follows "I'm" when it is not a name. */
const NOT_NAME = new Set(
  (
    "a an the and or but so if of to in on at by for from with about as is was are be been it its it's this that " +
    "these those there here i i'm me my mine you your yours he she him her his we us our they them their who what " +
    'when where why how yes yeah yep no nope ok okay sure well um uh er erm hmm oh hi hello hey thanks thank please ' +
    'sorry just calling ringing phoning speaking talking looking trying wondering going having getting still not ' +
    "very really fine good great afraid glad happy sorry calling name name's called mr mrs ms miss mister missus dr " +
    "sir madam ma'am customer agent bank account card number phone calling regarding because actually also again " +
    'can could would will shall should may might must do does did have has had am an new old one two three four ' +
    "five six seven eight nine ten zero oh double triple first last full surname spelled spell that's its"
  ).split(' '),
);
const HONORIFIC = new Set(['mr', 'mrs', 'ms', 'miss', 'mister', 'missus', 'dr', 'mx']);
/** after "this is …" / "I'm …" a name is followed by one of these (or written with a capital) */
const INTRO_AFTER = new Set(['speaking', 'from', 'calling', 'here', 'with']);

const nameTok = (t: Tok | undefined) =>
  !!t && /^[a-z][a-z'-]{0,30}$/i.test(t.w) && t.w.length >= 2 && !NOT_NAME.has(t.w) && !HONORIFIC.has(t.w);

/** a verb in -ing written lower-case after "I am" is no name ("I am writing from Dublin"); "i'm ling" is one */
const ingVerb = (t: Tok | undefined) => !!t && /^[a-z]/.test(t.text) && /^[a-z]{3,}ing$/.test(t.w);

/** Up to three name words from toks[i]: the index after the last, or i when there is none. */
function nameFrom(toks: Tok[], i: number): number {
  let j = i;
  while (j < toks.length && j - i < 3 && nameTok(toks[j])) j++;
  return j;
}

/** how e-mails and letters end before the sender's name */
const SIGN_OFF =
  /\b(?:kind regards|best regards|warm regards|regards|yours sincerely|yours faithfully|sincerely|many thanks|thanks|thank you|best wishes|cheers)\s{0,3}[,.]?\s{0,3}/gi;

const seq = (toks: Tok[], i: number, words: string[]) => words.every((w, k) => toks[i + k]?.w === w);

export function findNames(text: string, toks: Tok[], asked: (pos: number) => boolean): Span[] {
  const out: Span[] = [];
  const push = (i: number, j: number) => {
    if (j > i)
      out.push({ start: toks[i].start, end: toks[j - 1].end, value: text.slice(toks[i].start, toks[j - 1].end) });
  };
  const capital = (t: Tok | undefined) => !!t && /^[A-Z]/.test(t.text);
  for (let i = 0; i < toks.length; i++) {
    // "my name is …", "my name's …", "the name on the card is …", "name is …"
    const cue = seq(toks, i, ['name', 'is'])
      ? 2
      : seq(toks, i, ["name's"])
        ? 1
        : seq(toks, i, ['name', 'on', 'the', 'card', 'is']) || seq(toks, i, ['name', 'on', 'the', 'account', 'is'])
          ? 5
          : 0;
    if (cue) {
      const j = nameFrom(toks, i + cue);
      push(i + cue, j);
      if (j > i + cue) i = j - 1;
      continue;
    }
    // "Dr" after a street's name is a drive ("14 Elm Dr"), not a doctor
    const street = toks[i].w === 'dr' && toks.slice(Math.max(0, i - 4), i).some((t) => /^\d{1,5}[a-z]?$/.test(t.w));
    if (HONORIFIC.has(toks[i].w.replace(/\.$/, '')) && !street) {
      const j = nameFrom(toks, i + 1);
      push(i + 1, Math.min(j, i + 3));
      continue;
    }
    // "this is Anna from the card team", "I'm John Smith calling about": a name only with a capital or a cue after it
    const intro = seq(toks, i, ['this', 'is']) ? 2 : seq(toks, i, ["i'm"]) ? 1 : seq(toks, i, ['i', 'am']) ? 2 : 0;
    if (intro && !ingVerb(toks[i + intro])) {
      const j = nameFrom(toks, i + intro);
      if (j > i + intro && (capital(toks[i + intro]) || INTRO_AFTER.has(toks[j]?.w ?? ''))) {
        push(i + intro, j);
        i = j - 1;
      }
    }
  }
  // a written sign-off ("Kind regards, Samira Okoye"): the name that ends the line or the text
  let s = 0; // matches come in order: one pass over the tokens for all of them
  for (const m of text.matchAll(SIGN_OFF)) {
    const at = m.index! + m[0].length;
    while (s < toks.length && toks[s].start < at) s++;
    if (s >= toks.length || !/^[A-Z]/.test(toks[s].text)) continue;
    let j = s;
    while (j < toks.length && j - s < 3 && (nameTok(toks[j]) || /^[A-Z]\.?$/.test(toks[j].text))) j++;
    const rest = text.slice(toks[j - 1]?.end ?? at, toks[j]?.start ?? text.length);
    if (j > s && (j === toks.length || /\n/.test(rest))) push(s, j);
  }
  // answers to "can I take your name?": a short line under that question is a name after its lead-in words
  // ("yes it's Jane Doe"), or a name spelled letter by letter ("s m i t h")
  let lineStart = 0;
  for (let i = 0; i <= toks.length; i++) {
    const newLine = i === toks.length || /\n/.test(text.slice(toks[i - 1]?.end ?? 0, toks[i].start));
    if (i > lineStart && newLine) {
      const line = toks.slice(lineStart, i);
      if (
        line.length <= 10 &&
        asked(line[0].start) &&
        !out.some((s) => s.start >= line[0].start && s.end <= line[line.length - 1].end)
      ) {
        let k = 0;
        const letters = line.findIndex(
          (t, n) => /^[a-z]$/i.test(t.w) && line.slice(n, n + 3).every((x) => /^[a-z]$/i.test(x.w)),
        );
        if (letters >= 0) {
          let e = letters;
          while (e < line.length && /^[a-z]$/i.test(line[e].w)) e++;
          push(lineStart + letters, lineStart + e);
        } else {
          while (k < line.length && !nameTok(line[k])) k++;
          push(lineStart + k, nameFrom(toks, lineStart + k));
        }
      }
      lineStart = i;
    }
  }
  return out;
}

/** The UK's postcode format (the government's data standard), with or without the space. */
const UK_POSTCODE =
  /\b(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})\b/gi;
/** A ZIP / ZIP+4 or a Chinese postcode right after its label. */
const LABELLED_POSTCODE =
  /(?:post ?code|postal code|zip(?: code)?|邮编|邮政编码)(?:\s{0,3}(?:is|:|：|was))?\s{0,3}(\d{5}(?:-\d{4})?|\d{6})(?!\d)/gi;

export function findPostcodes(text: string, asked: (pos: number) => boolean = () => false): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(UK_POSTCODE)) {
    // a written postcode has its letters in capitals; in lower case (speech, a hurried chat) it must be labelled or
    // asked for
    const labelled = /(post ?code|postal code)\W{0,3}(is\W{0,2})?$/i.test(
      text.slice(Math.max(0, m.index! - 20), m.index!),
    );
    if (m[0] === m[0].toUpperCase() || labelled || asked(m.index!))
      out.push({ start: m.index!, end: m.index! + m[0].length, value: m[0] });
  }
  for (const m of text.matchAll(LABELLED_POSTCODE)) {
    const start = m.index! + m[0].length - m[1].length;
    out.push({ start, end: start + m[1].length, value: m[1] });
  }
  return out;
}

const NUMBER_WORD =
  '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)';
const STREET_TYPE =
  '(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|court|ct|place|pl|crescent|cres|terrace|boulevard|blvd|gardens|square|sq|grove|row|mews|parade|walk|highway|hwy|circle|cir|parkway|pkwy|trail|hill)';
/** a house number (written, with a letter, or spoken in up to three words), up to three street words, a street type */
const ADDRESS = new RegExp(
  `\\b(?:(?:flat|apartment|apt|unit|suite)\\s{1,3}\\w{1,5},?\\s{1,3})?(?:\\d{1,5}[a-z]?|${NUMBER_WORD}(?:[\\s-]${NUMBER_WORD}){0,2})\\s{1,3}((?:[a-z'.-]{2,20}\\s{1,3}){1,3})${STREET_TYPE}\\b\\.?`,
  'gi',
);
/** quantities, not streets: "a 3 hour drive", "two days' walk", "five minutes' way" */
const QUANTITY =
  /\b(hours?|minutes?|mins?|days?'?|weeks?|months?|years?|miles?|km|kilometres?|kilometers?|times?|pounds?|dollars?|yuan)\b/i;

/** words that do not name a street ("two more close calls") */
const NOT_STREET = new Set([
  ...NOT_NAME,
  'more',
  'less',
  'much',
  'many',
  'other',
  'few',
  'some',
  'any',
  'all',
  'each',
  'next',
]);

export function findAddresses(text: string): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(ADDRESS)) {
    const words = (m[1] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    if (QUANTITY.test(m[1] ?? '') || !words.some((w) => !NOT_STREET.has(w))) continue;
    out.push({ start: m.index!, end: m.index! + m[0].length, value: m[0] });
  }
  return out;
}
