import { digitRuns, TEENS, Tok, UNITS } from './numbers';

/**
 * Calendar dates as people write and say them: numeric in either order (14/07/1983, 07/22/1985, 12.05.1974,
 * 1988-11-30), day and month in words (3rd March 1979, the 9th of January 1966, March 3rd, 1979, 22 Feb 1990), and
 * spoken (the fourteenth of august nineteen eighty two, august the fifth nineteen seventy, third of march seventy
 * nine). Whether a date is a date of birth is decided by its context, not here.
 */
export interface DateSpan {
  start: number;
  end: number;
}

const MONTHS: Record<string, number> = {
  january: 1,
  jan: 1,
  february: 2,
  feb: 2,
  march: 3,
  mar: 3,
  april: 4,
  apr: 4,
  may: 5,
  june: 6,
  jun: 6,
  july: 7,
  jul: 7,
  august: 8,
  aug: 8,
  september: 9,
  sep: 9,
  sept: 9,
  october: 10,
  oct: 10,
  november: 11,
  nov: 11,
  december: 12,
  dec: 12,
};

const ORDINAL_UNITS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
};
const ORDINALS: Record<string, number> = {
  ...ORDINAL_UNITS,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  thirteenth: 13,
  fourteenth: 14,
  fifteenth: 15,
  sixteenth: 16,
  seventeenth: 17,
  eighteenth: 18,
  nineteenth: 19,
  twentieth: 20,
  thirtieth: 30,
};
/** a day said as a cardinal ("march twelve"): one to nineteen, twenty, thirty */
const CARDINAL_DAYS: Record<string, number> = Object.fromEntries(
  Object.entries({ ...UNITS, ...TEENS, twenty: 20, thirty: 30 }).filter(([, v]) => v > 0),
);

/** A day of the month ending at token i (reading backwards) or starting at token i: [first token, last token]. */
function dayAt(toks: Tok[], i: number, forward: boolean): [number, number] | undefined {
  const w = toks[i]?.w;
  if (w === undefined) return undefined;
  const numeric = /^(\d{1,2})(st|nd|rd|th)?$/.exec(w);
  if (numeric) return Number(numeric[1]) >= 1 && Number(numeric[1]) <= 31 ? [i, i] : undefined;
  const isTens = (x: string | undefined) => x === 'twenty' || x === 'thirty';
  if (forward) {
    if (isTens(w) && toks[i + 1] && ORDINAL_UNITS[toks[i + 1].w]) return [i, i + 1];
    if (ORDINALS[w] || CARDINAL_DAYS[w]) return [i, i];
    return undefined;
  }
  if (ORDINAL_UNITS[w] && isTens(toks[i - 1]?.w)) return [i - 1, i];
  if (ORDINALS[w] || CARDINAL_DAYS[w]) return [i, i];
  return undefined;
}

/**
 * A year starting at token i: 1983, '83, 83, nineteen eighty three, two thousand and three, eighty three; with `full`,
 * only a year of four digits (1983, nineteen eighty three).
 */
function yearAt(toks: Tok[], i: number, text: string, full = false): number | undefined {
  const t = toks[i];
  if (!t) return undefined;
  if (/^(19|20)\d{2}$/.test(t.w) || (!full && /^'\d{2}$/.test(t.w))) return i;
  if (/^\d/.test(t.w) && !/^\d{2}$/.test(t.w)) return undefined;
  // spoken (or a bare two-digit number): the digits of the run that starts here, if they make 2 or 4 digits
  const runs = digitRuns(toks.slice(i, i + 6), text);
  const run = runs[0];
  if (!run || run.firstTok !== 0) return undefined;
  if (run.digits.length === 4 && /^(19|20)/.test(run.digits)) return i + run.lastTok;
  if (run.digits.length === 2 && !full) return i + run.lastTok;
  // a longer run: its first tokens may still be the year ("nineteen eighty two" then more digits) — not a date
  return undefined;
}

const skip = (toks: Tok[], i: number, words: string[]) => (toks[i] && words.includes(toks[i].w) ? i + 1 : i);

const CN_YEAR = '(?:(?:19|20)?\\d{2}|[〇零○一二三四五六七八九]{2,4})';
const CN_MONTH = '(?:\\d{1,2}|十[一二]?|[一二三四五六七八九])';
const CN_DAY = '(?:\\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])';
const CN_DATE = new RegExp(
  `(?<![\\d〇零○一二三四五六七八九十])(?:${CN_YEAR}\\s*年\\s*)?${CN_MONTH}\\s*月(?:\\s*${CN_DAY}\\s*[日号])?`,
  'g',
);

const MON =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const MONTH_JOINED = new RegExp(
  [
    `(?<![\\w/.-])(\\d{1,2})(?:st|nd|rd|th)?([-./]?)${MON}\\2(\\d{4}|'?\\d{2})(?![\\w/-]|\\.\\d)`,
    `(?<![\\w/.-])${MON}([-./])(\\d{1,2})\\4(\\d{4}|\\d{2})(?![\\w/-]|\\.\\d)`,
    `(?<![\\w/.-])(?:19|20)\\d{2}([-./])${MON}\\7(\\d{1,2})(?![\\w/-]|\\.\\d)`,
  ].join('|'),
  'gi',
);

export function findDates(text: string, toks: Tok[]): DateSpan[] {
  const out: DateSpan[] = [];
  // a date another form already read (the word-by-word reading sees "23/Apr" in "23/Apr/1979") is not read again
  const taken = (start: number, end: number) => out.some((o) => o.start < end && o.end > start);
  for (const m of text.matchAll(
    /(?<![\d/.-])(?:(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})|((?:19|20)\d{2})[/.-](\d{1,2})[/.-](\d{1,2}))(?![\d/-]|\.\d)/g,
  )) {
    const [a, b] = m[1] ? [Number(m[1]), Number(m[2])] : [Number(m[5]), Number(m[6])];
    const valid = m[1] ? (a <= 31 && b <= 12) || (a <= 12 && b <= 31) : a <= 12 && b <= 31;
    if (valid && a > 0 && b > 0) out.push({ start: m.index!, end: m.index! + m[0].length });
  }
  // the month as a word between numbers joined by one separator, as forms and systems print it: 23-Apr-1979,
  // 23/Apr/1979, 23.Apr.79, 23APR1979 (passports, airlines), Apr-23-1979, 1979-Apr-23
  for (const m of text.matchAll(MONTH_JOINED)) {
    const day = Number(m[1] ?? m[5] ?? m[8]);
    if (day >= 1 && day <= 31) out.push({ start: m.index!, end: m.index! + m[0].length });
  }
  // Chinese: 1985年3月12日, 85年3月12号, 一九八五年三月十二日, 二〇〇一年二月八日; a month and day alone (11月28日) is a date
  // too (of a payment or a dispatch, unless a date of birth is asked for)
  for (const m of text.matchAll(CN_DATE))
    if (/[年日号]/.test(m[0])) out.push({ start: m.index!, end: m.index! + m[0].length });
  for (let i = 0; i < toks.length; i++) {
    const month = MONTHS[toks[i].w];
    if (!month) continue;
    let first = i;
    let last = i;
    let day = false;
    // day before: "3rd March", "the 9th of January", "twenty third of november"
    let j = i - 1;
    if (toks[j]?.w === 'of') j--;
    const before = dayAt(toks, j, false);
    // a date is said in one breath: a number at the end of the utterance before ("… nine oh oh two" / "november
    // twenty eight") is not its day
    const sameLine = (a: number, b: number) => !text.slice(toks[a].end, toks[b].start).includes('\n');
    if (before && (toks[i - 1]?.w === 'of' || before[1] === i - 1) && sameLine(before[1], i)) {
      first = before[0];
      if (toks[first - 1]?.w === 'the') first--;
      day = true;
    }
    // day after: "March 3rd", "august the fifth", "June 2,"
    let k = i + 1;
    if (!day) {
      const kk = skip(toks, k, ['the']);
      const found = dayAt(toks, kk, true);
      const after = found && sameLine(i, found[0]) ? found : undefined;
      // "march nineteen eighty" is a month and year, not a day
      if (after && !(after[0] === after[1] && yearAt(toks, kk, text) !== undefined && !/^\d/.test(toks[kk].w))) {
        day = true;
        last = after[1];
        k = after[1] + 1;
      }
    }
    const y = yearAt(toks, k, text);
    if (y !== undefined && /^[ \t,]*$/.test(text.slice(toks[k - 1].end, toks[k].start))) last = y;
    if (!day && y === undefined) continue;
    if (toks[i].w === 'may' && !day) continue;
    if (!taken(toks[first].start, toks[last].end)) out.push({ start: toks[first].start, end: toks[last].end });
    i = last;
  }
  // the month as its number in ordinals, as British callers say a date: "the twelfth of the ninth (sixty five)",
  // "3rd of the 11th"
  const ordinal = (w: string | undefined) => {
    if (w === undefined) return undefined;
    const n = /^(\d{1,2})(st|nd|rd|th)$/.exec(w);
    return n ? Number(n[1]) : ORDINALS[w];
  };
  for (let i = 0; i < toks.length; i++) {
    const d = dayAt(toks, i, true);
    if (!d || CARDINAL_DAYS[toks[d[1]].w] !== undefined) continue;
    const of = d[1] + 1;
    const m = ordinal(toks[of + 2]?.w);
    if (toks[of]?.w !== 'of' || toks[of + 1]?.w !== 'the' || !m || m > 12) continue;
    let last = of + 2;
    const y = yearAt(toks, last + 1, text);
    if (y !== undefined && /^[ \t,]*$/.test(text.slice(toks[last].end, toks[last + 1].start))) last = y;
    const first = toks[d[0] - 1]?.w === 'the' ? d[0] - 1 : d[0];
    if (taken(toks[first].start, toks[last].end)) continue;
    out.push({ start: toks[first].start, end: toks[last].end });
    i = last;
  }
  // a spoken date whose month the recogniser lost ("yes it's a twelfth of jewel i nineteen eighty five" for "the twelfth
  // of july …"): an ordinal day, "of", one or two words that are neither a number nor a month, and a full year said at
  // once — a date all the same (whether it is a date of birth is still the context's to say)
  const NOT_MONTH =
    /^(the|a|an|and|or|to|in|on|at|oh|double|hundred|thousand|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)$/;
  for (let i = 0; i < toks.length; i++) {
    const d = dayAt(toks, i, true);
    if (!d || CARDINAL_DAYS[toks[d[1]].w] !== undefined || /^\d+$/.test(toks[d[1]].w)) continue;
    const of = d[1] + 1;
    if (toks[of]?.w !== 'of') continue;
    for (const n of [1, 2]) {
      const lost = toks.slice(of + 1, of + 1 + n);
      if (
        lost.length < n ||
        lost.some(
          (t) =>
            !/^[a-z']+$/.test(t.w) ||
            NOT_MONTH.test(t.w) ||
            MONTHS[t.w] ||
            UNITS[t.w] !== undefined ||
            TEENS[t.w] !== undefined ||
            ORDINALS[t.w],
        )
      )
        break;
      const y = yearAt(toks, of + 1 + n, text, true);
      if (y === undefined || text.slice(toks[d[0]].start, toks[y].end).includes('\n')) continue;
      const first = toks[d[0] - 1]?.w === 'the' || toks[d[0] - 1]?.w === 'a' ? d[0] - 1 : d[0];
      if (!taken(toks[first].start, toks[y].end)) out.push({ start: toks[first].start, end: toks[y].end });
      i = y;
      break;
    }
  }
  return out.sort((x, y) => x.start - y.start);
}
